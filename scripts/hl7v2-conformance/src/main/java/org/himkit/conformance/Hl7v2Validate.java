package org.himkit.conformance;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.Location;
import ca.uhn.hl7v2.model.Composite;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Primitive;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.model.Varies;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.parser.EncodingCharacters;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.MessageRule;
import ca.uhn.hl7v2.validation.PrimitiveTypeRule;
import ca.uhn.hl7v2.validation.ValidationContext;
import ca.uhn.hl7v2.validation.ValidationException;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference for him validate's HL7 v2 rules: HAPI v2 (2.6.0). Each message of each file is parsed with
 * PipeParser into the v2.5.1 model (CanonicalModelClassFactory("2.5.1"), so v2.3-v2.8 messages are read as v2.5.1
 * structures) and then checked with what HAPI knows of v2.5.1:
 *
 * - HAPI's default validation context (ValidationContextFactory.defaultValidation(): the primitive rules for
 *   DTM/TS, DT, TM, NM, SI, TN, ID/IS length, and the message rules), applied to EVERY primitive and message so
 *   that all findings are collected, not only the first one the parser would throw;
 * - the optionality HAPI's generated v2.5.1 structures carry: Group.isRequired (required segments and groups),
 *   Segment.isRequired (required fields), Segment.getLength (maximum length, reported as a warning).
 *
 * HAPI v2 ships no table values, so no table check happens here. Prints one JSON line per message:
 * {"file","message","version" (MSH-12.1 as sent),"type","structure","issues":[{"severity","rule","segment","occurrence","field","component","text"}]}.
 * Values never appear in the output (only locations and HAPI's message without the value).
 */
public final class Hl7v2Validate {
  private static final String VERSION = "2.5.1";

  private final HapiContext hapi = new DefaultHapiContext();
  private final PipeParser parser;
  private final ValidationContext rules = ValidationContextFactory.defaultValidation();

  private Hl7v2Validate() {
    hapi.setModelClassFactory(new CanonicalModelClassFactory(VERSION));
    hapi.setValidationContext(ValidationContextFactory.noValidation());
    parser = hapi.getPipeParser();
  }

  public static void main(String[] args) throws Exception {
    Hl7v2Validate v = new Hl7v2Validate();
    StringBuilder out = new StringBuilder();
    for (String file : args) {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      if (!text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);
      int n = 0;
      for (String msg : splitMessages(text)) {
        n++;
        out.append(v.validate(file, n, msg)).append('\n');
      }
    }
    System.out.print(out);
  }

  /** Messages of a file: segments split at CR, LF or CRLF; FHS/BHS/BTS/FTS dropped; a message starts at MSH. */
  static List<String> splitMessages(String text) {
    List<String> messages = new ArrayList<>();
    StringBuilder cur = null;
    for (String line : text.split("\r\n|\r|\n")) {
      if (line.isBlank()) continue;
      String name = line.length() >= 3 ? line.substring(0, 3) : line;
      if (name.equals("FHS") || name.equals("BHS") || name.equals("BTS") || name.equals("FTS")) continue;
      if (name.equals("MSH")) {
        if (cur != null) messages.add(cur.toString());
        cur = new StringBuilder();
      }
      if (cur == null) continue; // a segment before any MSH: not a message
      cur.append(line).append('\r');
    }
    if (cur != null) messages.add(cur.toString());
    return messages;
  }

  private static final class Issue {
    String severity = "error";
    String rule;
    String segment;
    int occurrence;
    int field;
    String component = "";
    String text;
  }

  private final class Walk {
    final List<Issue> issues = new ArrayList<>();
    final Map<String, Integer> occurrences = new HashMap<>();
    final String version;
    final EncodingCharacters enc;

    Walk(Message m) throws HL7Exception {
      version = m.getVersion();
      enc = EncodingCharacters.getInstance(m);
    }

    Issue add(String rule, String segment, int occurrence, int field, String text) {
      Issue i = new Issue();
      i.rule = rule;
      i.segment = segment;
      i.occurrence = occurrence;
      i.field = field;
      i.text = text;
      issues.add(i);
      return i;
    }

    void group(Group g) throws HL7Exception {
      for (String name : g.getNames()) {
        Structure[] reps = g.getAll(name);
        boolean present = false;
        for (Structure s : reps) present |= !s.isEmpty();
        if (!present) {
          if (g.isRequired(name)) {
            String seg = g.isGroup(name) ? firstRequiredSegment((Group) g.get(name)) : name.substring(0, 3);
            add("required-structure", seg, 0, 0, (g.isGroup(name) ? "required group " + name + " (first required segment " + seg + ")" : "required segment " + seg) + " missing in " + g.getName());
          }
          continue;
        }
        for (Structure s : reps) {
          if (s.isEmpty()) continue;
          if (s instanceof Group) group((Group) s);
          else segment((Segment) s);
        }
      }
    }

    String firstRequiredSegment(Group g) throws HL7Exception {
      for (String name : g.getNames()) {
        if (!g.isRequired(name)) continue;
        return g.isGroup(name) ? firstRequiredSegment((Group) g.get(name)) : name.substring(0, 3);
      }
      return g.getName();
    }

    void segment(Segment s) throws HL7Exception {
      String name = s.getName();
      int occ = occurrences.merge(name, 1, Integer::sum);
      for (int f = 1; f <= s.numFields(); f++) {
        Type[] reps = s.getField(f);
        boolean valued = false;
        for (Type t : reps) valued |= !t.isEmpty();
        if (!valued) {
          if (s.isRequired(f)) add("required-field", name, occ, f, name + "-" + f + " is required in v2.5.1");
          continue;
        }
        // MSH-1 and MSH-2 hold the delimiters themselves; their encoded form is not their length.
        int max = name.equals("MSH") && f <= 2 ? 0 : s.getLength(f);
        for (int r = 0; r < reps.length; r++) {
          if (max > 0) {
            int len = PipeParser.encode(reps[r], enc).length();
            if (len > max) add("length", name, occ, f, name + "-" + f + " is " + len + " characters; v2.5.1 allows " + max).severity = "warning";
          }
          type(reps[r], name, occ, f, "");
        }
      }
    }

    void type(Type t, String seg, int occ, int field, String comp) throws HL7Exception {
      if (t instanceof Varies) {
        type(((Varies) t).getData(), seg, occ, field, comp);
      } else if (t instanceof Composite) {
        Type[] parts = ((Composite) t).getComponents();
        for (int c = 0; c < parts.length; c++) type(parts[c], seg, occ, field, comp + "." + (c + 1));
      } else if (t instanceof Primitive) {
        Primitive p = (Primitive) t;
        String value = p.getValue();
        if (value == null || value.isEmpty()) return;
        for (PrimitiveTypeRule rule : rules.getPrimitiveRules(version, p.getName(), p)) {
          ValidationException[] ex = rule.apply(value);
          if (ex == null) continue;
          for (ValidationException e : ex) {
            Issue i = add("datatype", seg, occ, field, p.getName() + ": " + rule.getDescription());
            i.component = comp;
          }
        }
      }
    }
  }

  private String validate(String file, int number, String text) {
    StringBuilder json = new StringBuilder();
    json.append("{\"file\":").append(q(file)).append(",\"message\":").append(number).append(",\"version\":").append(q(declaredVersion(text)));
    List<Issue> issues;
    String type = "";
    String structure = "";
    try {
      Message m = parser.parse(text);
      Terser t = new Terser(m);
      if (m instanceof ca.uhn.hl7v2.model.GenericMessage && !nz(t.get("MSH-9-3")).isEmpty()) {
        // MSH-9.3 names a structure v2.5.1 does not have (e.g. ADT_A04; table 0354 has ADT_A01 for A04): HAPI
        // would then check nothing. Read it as the structure v2.5.1 gives the event, as him does.
        String event = nz(t.get("MSH-9-1")) + "_" + nz(t.get("MSH-9-2"));
        String s = hapi.getModelClassFactory().getMessageStructureForEvent(event, ca.uhn.hl7v2.Version.V251);
        if (s != null && !s.isEmpty()) {
          t.set("MSH-9-3", s);
          m = parser.parse(m.encode());
          t = new Terser(m);
        }
      }
      type = String.join("^", nz(t.get("MSH-9-1")), nz(t.get("MSH-9-2")), nz(t.get("MSH-9-3")));
      structure = m.getName();
      Walk w = new Walk(m);
      w.group(m);
      for (MessageRule rule : rules.getMessageRules(w.version, nz(t.get("MSH-9-1")), nz(t.get("MSH-9-2")))) {
        ValidationException[] ex = rule.apply(m);
        if (ex == null) continue;
        for (ValidationException e : ex) {
          Location l = e.getLocation();
          w.add("message-rule", l == null ? "" : nz(l.getSegmentName()), 0, l == null ? 0 : Math.max(0, l.getField()), e.getMessageWithoutLocation());
        }
      }
      issues = w.issues;
    } catch (HL7Exception e) {
      Issue i = new Issue();
      i.rule = "unparseable";
      Location l = e.getLocation();
      i.segment = l == null ? "" : nz(l.getSegmentName());
      i.field = l == null ? 0 : Math.max(0, l.getField());
      i.text = e.getMessageWithoutLocation();
      issues = List.of(i);
    }
    json.append(",\"type\":").append(q(type)).append(",\"structure\":").append(q(structure)).append(",\"issues\":[");
    for (int k = 0; k < issues.size(); k++) {
      Issue i = issues.get(k);
      if (k > 0) json.append(',');
      json.append("{\"severity\":").append(q(i.severity)).append(",\"rule\":").append(q(i.rule))
          .append(",\"segment\":").append(q(i.segment)).append(",\"occurrence\":").append(i.occurrence)
          .append(",\"field\":").append(i.field).append(",\"component\":").append(q(i.component))
          .append(",\"text\":").append(q(i.text)).append('}');
    }
    return json.append("]}").toString();
  }

  /** MSH-12.1 as sent (the model used is v2.5.1 whatever it says). */
  static String declaredVersion(String text) {
    String msh = text.split("\r", 2)[0];
    if (msh.length() < 4) return "";
    String[] f = msh.split(java.util.regex.Pattern.quote(String.valueOf(msh.charAt(3))), -1);
    if (f.length < 12) return "";
    String cs = f[1].isEmpty() ? "^" : String.valueOf(f[1].charAt(0));
    return f[11].split(java.util.regex.Pattern.quote(cs), -1)[0];
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : nz(s).toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
