// The reference validator for `him validate` FHIR conformance (run by run.mjs, not by the test suite).
// Validates each resource (a JSON file, or each line of an NDJSON file) with HAPI FHIR's FhirInstanceValidator
// against the R4 base definitions, offline, and prints one JSON line per resource:
//   {"file": "...", "record": N, "issues": [{"severity": "error", "location": "...", "message": "..."}]}
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class HapiValidate {
  static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : (s == null ? "" : s).toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    FhirContext ctx = FhirContext.forR4();
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        new CommonCodeSystemsTerminologyService(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new SnapshotGeneratingValidationSupport(ctx));
    FhirInstanceValidator module = new FhirInstanceValidator(chain);
    module.setAnyExtensionsAllowed(true);
    FhirValidator validator = ctx.newValidator();
    validator.registerValidatorModule(module);

    for (String file : args) {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      List<String> docs = new ArrayList<>();
      if (file.endsWith(".ndjson")) {
        for (String line : text.split("\\r?\\n")) if (!line.isBlank()) docs.add(line);
      } else docs.add(text);
      int record = 0;
      for (String doc : docs) {
        record++;
        StringBuilder out = new StringBuilder();
        out.append("{\"file\":").append(q(file)).append(",\"record\":").append(record).append(",\"issues\":[");
        try {
          ValidationResult r = validator.validateWithResult(doc);
          boolean first = true;
          for (SingleValidationMessage m : r.getMessages()) {
            if (!first) out.append(',');
            first = false;
            out.append("{\"severity\":").append(q(m.getSeverity().getCode()))
                .append(",\"location\":").append(q(m.getLocationString()))
                .append(",\"message\":").append(q(m.getMessage()))
                .append(",\"id\":").append(q(m.getMessageId())).append('}');
          }
        } catch (Exception e) {
          out.append("{\"severity\":\"fatal\",\"location\":\"\",\"message\":").append(q(e.getClass().getSimpleName() + ": " + e.getMessage())).append('}');
        }
        System.out.println(out.append("]}"));
      }
    }
  }
}
