package org.fleetupgrade.worker.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleCalendarSpec;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleRange;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import io.temporal.client.schedules.ScheduleUpdate;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import org.fleetupgrade.promotion.WeeklyPromotionWorkflow;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflowImpl;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.engine.TemporalConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The weekly promotion as a Temporal Schedule: {@code fleet-upgrade-weekly-promotion} runs
 * {@link WeeklyPromotionWorkflow} at the config's weekly time, which promotes every upgrade
 * soaked and waiting at a {@code scheduled} gate whose stage is still healthy.
 */
@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = "The weekly promotion Schedule (" + FleetUpgradeWorkflowImpl.SCHEDULE_ID + "): create | describe"
        + " | pause | unpause | trigger | delete. Needs a real Temporal server.",
    subcommands = {ScheduleCommand.Create.class, ScheduleCommand.Describe.class, ScheduleCommand.Pause.class,
        ScheduleCommand.Unpause.class, ScheduleCommand.Trigger.class, ScheduleCommand.Delete.class})
public class ScheduleCommand implements Callable<Integer> {

  static final String ID = FleetUpgradeWorkflowImpl.SCHEDULE_ID;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    return Main.missingCommand(spec.commandLine());
  }

  /** What every schedule command shares: the connection (defaults from the config, if given). */
  abstract static class Base implements Callable<Integer> {

    @Mixin
    GlobalOptions global;

    @Option(names = "--config", paramLabel = "FILE", description = "fleet config: its temporal section gives the defaults")
    Path config;

    FleetConfig fleet;

    FleetConfig fleet() {
      if (fleet == null && config != null) {
        fleet = ConfigCommand.load(config);
      }
      return fleet;
    }

    TemporalConnection connect() {
      FleetConfig f = fleet();
      TemporalConnection temporal = global.connect(f == null ? null : f.temporal().address(),
          f == null ? null : f.temporal().namespace());
      if (!temporal.hasSchedules()) {
        temporal.close();
        throw new OperationFailedException(noSchedules(temporal.address()));
      }
      return temporal;
    }

    @Override
    public Integer call() {
      try (TemporalConnection temporal = connect()) {
        try {
          return run(temporal, temporal.schedules());
        } catch (RuntimeException e) {
          if (isNotFound(e)) {
            throw new OperationFailedException("no Schedule " + ID + " in namespace " + temporal.namespace() + " at "
                + temporal.address() + ": create it with `fleet-upgrade schedule create --config FILE`");
          }
          throw e;
        }
      }
    }

    abstract int run(TemporalConnection temporal, ScheduleClient schedules);
  }

  static String noSchedules(String address) {
    return "the Temporal server at " + address + " has no Schedules (the embedded test server of `dev`):"
        + " the weekly promotion needs a real server (e.g. `temporal server start-dev`); on this one, a scheduled"
        + " gate waits for its weekly time in the workflow instead";
  }

  static boolean isNotFound(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return true;
      }
    }
    return false;
  }

  /** The Schedule for {@code when}: the weekly promotion workflow on the config's task queue. */
  static Schedule schedule(FleetConfig.Schedule when, String taskQueue, ScheduleState state) {
    ScheduleCalendarSpec calendar = ScheduleCalendarSpec.newBuilder()
        .setDayOfWeek(List.of(new ScheduleRange(when.day().getValue() % 7)))
        .setHour(List.of(new ScheduleRange(when.time().getHour())))
        .setMinutes(List.of(new ScheduleRange(when.time().getMinute())))
        .setComment("weekly promotion: " + when)
        .build();
    return Schedule.newBuilder()
        .setAction(ScheduleActionStartWorkflow.newBuilder()
            .setWorkflowType(WeeklyPromotionWorkflow.class)
            .setOptions(WorkflowOptions.newBuilder().setWorkflowId(ID).setTaskQueue(taskQueue).build())
            .build())
        .setSpec(ScheduleSpec.newBuilder().setCalendars(List.of(calendar)).setTimeZoneName(when.zone().getId())
            .setJitter(when.jitter()).build())
        // Two promotions at once would approve the same gate twice: the second is skipped.
        .setPolicy(SchedulePolicy.newBuilder().setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP)
            .setCatchupWindow(when.catchupWindow()).build())
        .setState(state)
        .build();
  }

  /** For `status` at a scheduled gate: when the weekly promotion runs next, or why it will not. */
  static String statusLine(TemporalConnection temporal) {
    if (!temporal.hasSchedules()) {
      return "weekly promotion: the server has no Schedules; the gate waits for its window in the workflow";
    }
    try {
      return "weekly promotion (Schedule " + ID + "): " + next(temporal.schedules().getHandle(ID).describe());
    } catch (RuntimeException e) {
      if (isNotFound(e)) {
        return "weekly promotion: no Schedule " + ID + " in namespace " + temporal.namespace()
            + ": nothing promotes this gate until `fleet-upgrade schedule create --config FILE` (or an approve)";
      }
      return "weekly promotion: cannot describe Schedule " + ID + ": " + Upgrades.rootMessage(e);
    }
  }

  static String next(ScheduleDescription description) {
    List<Instant> next = description.getInfo().getNextActionTimes();
    if (description.getSchedule().getState().isPaused()) {
      return "paused (" + description.getSchedule().getState().getNote() + "): nothing is promoted until unpause";
    }
    return next.isEmpty() ? "no next run" : "next run " + next.get(0).truncatedTo(ChronoUnit.SECONDS);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create the Schedule from the config's `schedule` section, or update it to match (a pause stays).")
  static class Create extends Base {

    @Override
    public Integer call() {
      if (config == null) {
        throw new BadInputException("schedule create: --config FILE is required (its `schedule` section says when)");
      }
      when();
      return super.call();
    }

    @Override
    int run(TemporalConnection temporal, ScheduleClient schedules) {
      FleetConfig.Schedule when = when();
      String taskQueue = fleet().temporal().taskQueue();
      ScheduleHandle handle = schedules.getHandle(ID);
      ScheduleDescription existing;
      try {
        existing = handle.describe();
      } catch (RuntimeException e) {
        if (!isNotFound(e)) {
          throw e;
        }
        schedules.createSchedule(ID, schedule(when, taskQueue,
            ScheduleState.newBuilder().setNote("created by fleet-upgrade schedule create").build()),
            ScheduleOptions.newBuilder().build());
        System.out.println("created Schedule " + ID + ": " + describe(when) + "; " + next(handle.describe()));
        return Main.OK;
      }
      // Idempotent: the same command again changes nothing but what the config changed; a pause stays.
      ScheduleState state = existing.getSchedule().getState();
      handle.update(input -> new ScheduleUpdate(schedule(when, taskQueue, state)));
      System.out.println("updated Schedule " + ID + ": " + describe(when) + "; " + next(handle.describe()));
      return Main.OK;
    }

    /** The config's schedule: bad input without one, found before anything connects. */
    private FleetConfig.Schedule when() {
      return fleet().schedule().orElseThrow(() -> new BadInputException(config
          + ": has no `schedule` section (e.g. schedule: {day: tuesday, time: \"15:00\", timeZone: America/New_York})"));
    }

    private static String describe(FleetConfig.Schedule when) {
      return "weekly " + when + " (jitter " + org.fleetupgrade.worker.config.EffectiveConfig.format(when.jitter()) + ", catch-up "
          + org.fleetupgrade.worker.config.EffectiveConfig.format(when.catchupWindow()) + ", overlapping runs skipped)";
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "When it runs next, paused or not, its last runs.")
  static class Describe extends Base {
    @Override
    int run(TemporalConnection temporal, ScheduleClient schedules) {
      ScheduleDescription d = schedules.getHandle(ID).describe();
      Schedule s = d.getSchedule();
      System.out.println("Schedule " + ID + " (namespace " + temporal.namespace() + ")");
      s.getSpec().getCalendars().forEach(c -> System.out.println("  when:    " + c.getComment()));
      System.out.println("  zone:    " + s.getSpec().getTimeZoneName() + ", jitter "
          + org.fleetupgrade.worker.config.EffectiveConfig.format(s.getSpec().getJitter() == null ? java.time.Duration.ZERO : s.getSpec().getJitter()));
      System.out.println("  state:   " + (s.getState().isPaused() ? "PAUSED: " + s.getState().getNote() : "active"));
      System.out.println("  next:    " + (d.getInfo().getNextActionTimes().isEmpty() ? "-"
          : d.getInfo().getNextActionTimes().stream().limit(3).map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString())
              .reduce((a, b) -> a + ", " + b).orElse("-")));
      System.out.println("  runs:    " + d.getInfo().getNumActions() + " in all, " + d.getInfo().getNumActionsSkippedOverlap()
          + " skipped (overlap), " + d.getInfo().getNumActionsMissedCatchupWindow() + " missed (catch-up window)");
      for (ScheduleActionResult run : d.getInfo().getRecentActions()) {
        String id = run.getAction() instanceof ScheduleActionExecutionStartWorkflow w ? w.getWorkflowId() : "?";
        System.out.println("    " + run.getStartedAt().truncatedTo(ChronoUnit.SECONDS) + "  " + id);
      }
      return Main.OK;
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stop the weekly promotion until unpause.")
  static class Pause extends Base {
    @Option(names = "--reason", required = true, description = "why (shown by describe and status)")
    String reason;

    @Override
    int run(TemporalConnection temporal, ScheduleClient schedules) {
      if (reason.isBlank()) {
        throw new BadInputException("--reason must say why");
      }
      schedules.getHandle(ID).pause(reason);
      System.out.println("paused Schedule " + ID + ": " + reason + " (nothing is promoted until unpause)");
      return Main.OK;
    }
  }

  @Command(name = "unpause", mixinStandardHelpOptions = true, description = "Let the weekly promotion run again.")
  static class Unpause extends Base {
    @Option(names = "--reason", description = "why (recorded as the Schedule's note)")
    String reason;

    @Override
    int run(TemporalConnection temporal, ScheduleClient schedules) {
      ScheduleHandle handle = schedules.getHandle(ID);
      handle.unpause(reason == null || reason.isBlank() ? "unpaused by fleet-upgrade" : reason);
      System.out.println("unpaused Schedule " + ID + "; " + next(handle.describe()));
      return Main.OK;
    }
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true,
      description = "Run the weekly promotion now: every upgrade waiting at a scheduled gate and healthy is promoted.")
  static class Trigger extends Base {
    @Override
    int run(TemporalConnection temporal, ScheduleClient schedules) {
      ScheduleHandle handle = schedules.getHandle(ID);
      if (handle.describe().getSchedule().getState().isPaused()) {
        throw new BadInputException("Schedule " + ID + " is paused (" + handle.describe().getSchedule().getState().getNote()
            + "): a paused schedule promotes nothing; unpause it first, or approve one upgrade by hand");
      }
      handle.trigger(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
      System.out.println("triggered Schedule " + ID + ": the weekly promotion runs now"
          + " (`fleet-upgrade schedule describe` shows the run, `fleet-upgrade list` the upgrades)");
      return Main.OK;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete the Schedule (scheduled gates then wait"
      + " until it is created again, or an operator approves).")
  static class Delete extends Base {
    @Override
    int run(TemporalConnection temporal, ScheduleClient schedules) {
      schedules.getHandle(ID).delete();
      System.out.println("deleted Schedule " + ID);
      return Main.OK;
    }
  }
}
