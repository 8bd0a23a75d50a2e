package org.fleetupgrade.worker.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The jar's logging, set in code instead of a logback.xml: reading XML takes logback's Joran and the
 * JDK's SAX parser, some 440 more classes loaded by every command. The CLI prints what an
 * operator needs; library chatter goes to stderr at WARN, Temporal's, gRPC's and Netty's at ERROR;
 * our own at {@code FLEET_UPGRADE_LOG_LEVEL} (a system property or an environment variable, default
 * WARN). {@code -Dlogback.configurationFile=FILE} still replaces all of it with that file.
 */
public final class LogbackConfigurator extends ContextAwareBase implements Configurator {

  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    context.getLogger("org.fleetupgrade").setLevel(ownLevel());
    for (String chatty : new String[] {"io.temporal", "io.grpc", "io.netty"}) {
      context.getLogger(chatty).setLevel(Level.ERROR);
    }
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** FLEET_UPGRADE_LOG_LEVEL as logback.xml's ${FLEET_UPGRADE_LOG_LEVEL:-WARN} read it: property, then environment. */
  static Level ownLevel() {
    String level = System.getProperty("FLEET_UPGRADE_LOG_LEVEL", System.getenv("FLEET_UPGRADE_LOG_LEVEL"));
    return level == null || level.isBlank() ? Level.WARN : Level.toLevel(level.strip(), Level.WARN);
  }
}
