package org.fleetupgrade.worker.engine;

import io.temporal.failure.ApplicationFailure;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeSet;

/**
 * One implementation of an activity interface that hands each call to the adapter of the call's
 * stage: the simulated fleet for simulated stages, the real adapters for real ones. The stage is the
 * first argument (a stage name, or a record with a {@code stage()} component such as ImageBuild),
 * so no activity implementation needs to know which kind of stage it serves.
 */
public final class StageRouter {

  private StageRouter() {}

  public static <T> T route(Class<T> activities, Map<String, T> byStage) {
    Map<String, T> adapters = Map.copyOf(byStage);
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return switch (method.getName()) {
          case "toString" -> "StageRouter<" + activities.getSimpleName() + ">" + new TreeSet<>(adapters.keySet());
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> throw new IllegalStateException(method.getName());
        };
      }
      String stage = stageOf(method, args);
      T adapter = adapters.get(stage);
      if (adapter == null) {
        throw ApplicationFailure.newNonRetryableFailure("stage '" + stage + "' has no " + activities.getSimpleName()
            + " adapter on this worker (it serves " + String.join(", ", new TreeSet<>(adapters.keySet())) + ")",
            "UnknownStage");
      }
      try {
        return method.invoke(adapter, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return activities.cast(Proxy.newProxyInstance(activities.getClassLoader(), new Class<?>[] {activities}, handler));
  }

  private static String stageOf(Method method, Object[] args) throws ReflectiveOperationException {
    if (args == null || args.length == 0) {
      throw new IllegalArgumentException(method.getName() + " has no stage argument to route by");
    }
    if (args[0] instanceof String stage) {
      return stage;
    }
    return String.valueOf(args[0].getClass().getMethod("stage").invoke(args[0]));
  }
}
