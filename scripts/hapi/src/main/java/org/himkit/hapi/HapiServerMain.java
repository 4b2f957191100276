package org.himkit.hapi;

import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Starts the HAPI FHIR JPA server on 127.0.0.1:PORT/fhir (PORT from the first argument, 0 for any free port)
 * and prints "HIMKIT_HAPI_LISTENING port=N" once it answers.
 */
public final class HapiServerMain {
	private HapiServerMain() {}

	/** Stop when the process that started the server (a test run) is gone, so a killed run leaks no JVM. */
	private static void exitWithParent(String parentPid) {
		if (parentPid == null || parentPid.isBlank()) return;
		long pid = Long.parseLong(parentPid.trim());
		Thread watcher = new Thread(() -> {
			while (true) {
				if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false) {
					System.err.println("himkit hapi: parent process " + pid + " is gone, stopping");
					System.exit(0);
				}
				try {
					Thread.sleep(2000);
				} catch (InterruptedException e) {
					return;
				}
			}
		}, "himkit-parent-watch");
		watcher.setDaemon(true);
		watcher.start();
	}

	public static void main(String[] args) throws Exception {
		int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
		exitWithParent(System.getenv("HIMKIT_HAPI_PARENT_PID"));
		AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext(HapiServerConfig.class);

		@SuppressWarnings("rawtypes")
		IFhirSystemDao systemDao = ctx.getBean(IFhirSystemDao.class);
		RestfulServer fhir = new RestfulServer(systemDao.getContext());
		systemDao.getContext().setNarrativeGenerator(new NullNarrativeGenerator());
		fhir.registerProviders(ctx.getBean(ResourceProviderFactory.class).createProviders());
		fhir.registerProvider(ctx.getBean(IJpaSystemProvider.class));
		fhir.registerProvider(ctx.getBean(BulkDataExportProvider.class));
		JpaCapabilityStatementProvider cs = new JpaCapabilityStatementProvider(
				fhir,
				systemDao,
				ctx.getBean(JpaStorageSettings.class),
				ctx.getBean(ISearchParamRegistry.class),
				ctx.getBean(IValidationSupport.class));
		cs.setImplementationDescription("himkit test HAPI FHIR R4 server");
		fhir.setServerConformanceProvider(cs);
		fhir.setPagingProvider(ctx.getBean(DatabaseBackedPagingProvider.class));
		fhir.setServerAddressStrategy(new IncomingRequestAddressStrategy());
		fhir.setDefaultPrettyPrint(false);

		Server server = new Server();
		ServerConnector connector = new ServerConnector(server);
		connector.setHost("127.0.0.1");
		connector.setPort(port);
		server.addConnector(connector);
		ServletContextHandler handler = new ServletContextHandler();
		handler.setContextPath("/");
		ServletHolder holder = new ServletHolder(fhir);
		holder.setInitOrder(1);
		handler.addServlet(holder, "/fhir/*");
		// HAPI's bulk export status answers a fixed "Retry-After: 120". A client that honours it (ours does) would
		// make every export test wait two minutes; this test server says HIMKIT_HAPI_RETRY_AFTER seconds (default 1).
		String retryAfter = System.getenv().getOrDefault("HIMKIT_HAPI_RETRY_AFTER", "1");
		Filter shortRetryAfter = (request, response, chain) -> chain.doFilter(request, new HttpServletResponseWrapper((HttpServletResponse) response) {
			@Override
			public void setHeader(String name, String value) {
				super.setHeader(name, "Retry-After".equalsIgnoreCase(name) ? retryAfter : value);
			}

			@Override
			public void addHeader(String name, String value) {
				super.addHeader(name, "Retry-After".equalsIgnoreCase(name) ? retryAfter : value);
			}
		});
		handler.addFilter(new FilterHolder(shortRetryAfter), "/fhir/*", EnumSet.of(DispatcherType.REQUEST));
		server.setHandler(handler);
		server.setStopAtShutdown(true);
		Runtime.getRuntime().addShutdownHook(new Thread(ctx::close));
		server.start();
		// Batch2 jobs ($export) advance on a maintenance pass, once a minute by default: a test waiting for an
		// export should not wait a minute, so ask for a pass every second (a pass already running is not doubled).
		IJobMaintenanceService maintenance = ctx.getBean(IJobMaintenanceService.class);
		ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "himkit-batch2-tick");
			t.setDaemon(true);
			return t;
		});
		ticker.scheduleWithFixedDelay(() -> {
			try {
				maintenance.triggerMaintenancePass();
			} catch (RuntimeException e) {
				// the next tick tries again
			}
		}, 1, 1, TimeUnit.SECONDS);
		System.out.println("HIMKIT_HAPI_LISTENING port=" + connector.getLocalPort());
		System.out.flush();
		server.join();
	}
}
