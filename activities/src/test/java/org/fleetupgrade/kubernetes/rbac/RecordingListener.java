package org.fleetupgrade.kubernetes.rbac;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Writes the adapters' requests recorded during each top-level test class when it ends
 * ({@link AdapterRequests}). Registered in META-INF/services, so the JUnit launcher runs it in every
 * test JVM of this module. Test classes run one after another here (no parallel execution is
 * configured), so what was recorded since the class before ended is this class's; a request from a
 * thread a class left behind would count for the next, which changes nothing in their union.
 */
public final class RecordingListener implements TestExecutionListener {

  @Override
  public void executionFinished(TestIdentifier identifier, TestExecutionResult result) {
    topLevelClass(identifier).ifPresent(name -> AdapterRequests.write(name, AdapterRequests.drain()));
  }

  private static java.util.Optional<String> topLevelClass(TestIdentifier identifier) {
    return identifier.getSource()
        .filter(ClassSource.class::isInstance)
        .map(ClassSource.class::cast)
        .map(ClassSource::getClassName)
        .filter(name -> !name.contains("$")); // @Nested classes record into their enclosing class
  }
}
