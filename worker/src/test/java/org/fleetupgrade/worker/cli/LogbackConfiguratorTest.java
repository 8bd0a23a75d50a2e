package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The logging the removed logback.xml set up, now found as a service and set in code. */
class LogbackConfiguratorTest {

  @Test
  void libraryChatterGoesToStderrAtWarnOrAbove() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.temporal").getLevel()).isEqualTo(Level.ERROR);
    assertThat(context.getLogger("io.grpc").getLevel()).isEqualTo(Level.ERROR);
    assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.ERROR);
    assertThat(context.getLogger("org.fleetupgrade").getLevel()).isEqualTo(LogbackConfigurator.ownLevel());

    ConsoleAppender<?> stderr = (ConsoleAppender<?>) root.getAppender("STDERR");
    assertThat(stderr.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) stderr.getEncoder()).getPattern()).isEqualTo(LogbackConfigurator.PATTERN);
  }

  @Test
  void ourOwnLevelComesFromThePropertyElseWarn() {
    String before = System.getProperty("FLEET_UPGRADE_LOG_LEVEL");
    try {
      System.setProperty("FLEET_UPGRADE_LOG_LEVEL", "debug");
      assertThat(LogbackConfigurator.ownLevel()).isEqualTo(Level.DEBUG);
      System.setProperty("FLEET_UPGRADE_LOG_LEVEL", "loud");
      assertThat(LogbackConfigurator.ownLevel()).isEqualTo(Level.WARN);
    } finally {
      if (before == null) {
        System.clearProperty("FLEET_UPGRADE_LOG_LEVEL");
      } else {
        System.setProperty("FLEET_UPGRADE_LOG_LEVEL", before);
      }
    }
  }
}
