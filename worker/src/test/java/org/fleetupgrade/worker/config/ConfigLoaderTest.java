package org.fleetupgrade.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Map;
import org.fleetupgrade.controlplane.script.AdminConfCopy;
import org.fleetupgrade.promotion.PromotionMode;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));

  /** What every config with a real stage needs, so the tests below can focus on one thing. */
  private static final String REAL_CONTROL_PLANE = """
      controlPlane:
        ssh: {privateKeyPath: /keys/id, knownHostsPath: /keys/known_hosts}
        clusterCidr: 192.168.0.0/16
        serviceCidr: 172.25.0.0/16
      """;

  @Test
  void adminConfGoesToABucketObjectWithHeadersAndNoConfigChoosesTheProgram() throws ConfigException {
    FleetConfig config = ConfigLoader.parse(REAL_CONTROL_PLANE + """
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], kubernetes: {},
             adminConfDestination: "gs://k8s-support-mlab-sandbox/cluster/admin.conf",
             adminConfHeaders: {Cache-Control: "no-store", x-goog-meta-owner: sre}}
        """, Path.of("real.yaml"));
    assertThat(config.stages().get(0).adminConf()).isEqualTo(new AdminConfCopy(
        "gs://k8s-support-mlab-sandbox/cluster/admin.conf", Map.of("Cache-Control", "no-store", "x-goog-meta-owner", "sre")));

    assertThat(errors(REAL_CONTROL_PLANE.replace("  clusterCidr:", "  adminConfCopyCommand: sh -c\n  clusterCidr:") + """
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], kubernetes: {},
             adminConfDestination: "gs://x;id", adminConfHeaders: {X-Evil: "1"}}
        """).errors()).containsExactlyInAnyOrder(
        "test.yaml: controlPlane.adminConfCopyCommand: is no longer read: the member that runs apply copies admin.conf"
            + " with gsutil to stages[].adminConfDestination, with object headers from stages[].adminConfHeaders;"
            + " remove it",
        "test.yaml: stages[0].adminConfDestination: admin.conf destination 'gs://x;id' is not a gs:// URL");
  }

  private static ConfigException errors(String yaml) {
    try {
      ConfigLoader.parse(yaml, Path.of("test.yaml"));
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected errors in:\n" + yaml);
  }

  @Test
  void fleetYamlDescribesTheThreeRealEnvironments() throws ConfigException {
    FleetConfig config = ConfigLoader.load(REPO.resolve("config/fleet.yaml"));

    assertThat(config.stageNames()).containsExactly("sandbox", "staging", "production");
    assertThat(config.stages()).extracting(FleetConfig.Stage::project).containsExactly("mlab-sandbox", "mlab-staging", "mlab-oti");
    assertThat(config.stages()).extracting(FleetConfig.Stage::region).containsExactly("us-west2", "us-central1", "us-east1");
    assertThat(config.stages().get(2).zones()).containsExactly("b", "c", "d");
    assertThat(config.controlPlane().namePattern()).isEqualTo("api-platform-cluster-{region}-{zone}");
    FleetConfig.Stage staging = config.stages().get(1);
    assertThat(staging.soak()).isEqualTo(Duration.ofDays(7));
    assertThat(staging.promotion()).isEqualTo(PromotionMode.WINDOW);
    assertThat(staging.window().day()).isEqualTo(DayOfWeek.TUESDAY);
    assertThat(staging.window().time()).isEqualTo(LocalTime.of(15, 0));
    assertThat(config.stages().get(2).reboot().maxUnavailable()).isEqualTo(50);
    assertThat(config.stages().get(1).reboot().maxUnavailable()).as("the global default").isEqualTo(20);
    assertThat(config.simulated()).isFalse();
    assertThat(config.controlPlane().ssh().acceptCertificatesWithoutPrincipalsFor())
        .as("M-Lab's node certificates name no host").containsExactly("*.measurement-lab.org");
  }

  @Test
  void demoYamlIsASimulatedFleetOfTheRequiredShape() throws ConfigException {
    FleetConfig demo = ConfigLoader.load(REPO.resolve("config/demo.yaml"));

    assertThat(demo.simulatedStages()).extracting(s -> s.sites() * s.nodesPerSite()).containsExactly(20, 40, 600);
    assertThat(demo.simulatedStages()).allSatisfy(s -> assertThat(s.zones()).hasSize(3));
    assertThat(demo.simulation().orElseThrow().faults()).singleElement()
        .satisfies(f -> assertThat(f.times()).isEqualTo(2));
  }

  @Test
  void defaultsFillEverythingOptional() throws ConfigException {
    FleetConfig minimal = ConfigLoader.parse(REAL_CONTROL_PLANE + """
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a]}
        """, Path.of("minimal.yaml"));

    assertThat(minimal.temporal().address()).isEqualTo("localhost:7233");
    assertThat(minimal.temporal().taskQueue()).isEqualTo("fleet-upgrade");
    assertThat(minimal.stages().get(0).soak()).isZero();
    assertThat(minimal.stages().get(0).promotion()).isEqualTo(PromotionMode.AUTO);
    assertThat(minimal.stages().get(0).convergenceDeadline()).isEqualTo(Duration.ofHours(2));
    assertThat(minimal.stages().get(0).reboot().maxPerSite()).isEqualTo(1);
    assertThat(minimal.health().virtualNodeSelector()).isEqualTo("mlab/type=virtual");
  }

  @Test
  void imagePipelinesTakeStageDefaultsAndSharedSettings() throws ConfigException {
    FleetConfig config = ConfigLoader.parse(REAL_CONTROL_PLANE + """
        images:
          repository: https://github.com/example/epoxy-images.git
          tokenEnv: EPOXY_TOKEN
          buildTimeout: 4h
        stages:
          - name: sandbox
            project: mlab-sandbox
            region: us-west2
            zones: [a]
            images: {cloudBuild: {triggers: [trigger-a, trigger-b]}}
          - name: production
            project: mlab-oti
            region: us-east1
            zones: [b]
            images:
              buildTimeout: 10h
              cloudBuild: {triggers: [trigger-c], region: us-east1}
          - {name: staging, project: mlab-staging, region: us-central1, zones: [a]}
        """, Path.of("images.yaml"));

    FleetConfig.ImagePipeline sandbox = config.stage("sandbox").orElseThrow().images().orElseThrow();
    assertThat(sandbox.ref()).isEqualTo(org.fleetupgrade.images.git.RefPolicy.BRANCH);
    assertThat(sandbox.buildProject()).as("the stage's project").isEqualTo("mlab-sandbox");
    assertThat(sandbox.buildRegion()).isEqualTo("global");
    assertThat(sandbox.triggers()).containsExactly("trigger-a", "trigger-b");
    assertThat(sandbox.images().repository()).isEqualTo("https://github.com/example/epoxy-images.git");
    assertThat(sandbox.images().tokenEnv()).isEqualTo("EPOXY_TOKEN");
    assertThat(sandbox.images().buildTimeout()).isEqualTo(Duration.ofHours(4));
    assertThat(sandbox.images().mainBranch()).isEqualTo("main");
    assertThat(sandbox.images().branch()).isEqualTo("sandbox-{kubernetes}");
    assertThat(sandbox.images().buildAppearTimeout()).isEqualTo(Duration.ofMinutes(15));
    FleetConfig.ImagePipeline production = config.stage("production").orElseThrow().images().orElseThrow();
    assertThat(production.ref()).isEqualTo(org.fleetupgrade.images.git.RefPolicy.TAG);
    assertThat(production.images().buildTimeout()).as("the stage's own").isEqualTo(Duration.ofHours(10));
    assertThat(production.buildRegion()).isEqualTo("us-east1");
    assertThat(production.epoxyProject()).isEqualTo("mlab-oti");
    assertThat(production.epoxyNamespace()).isEqualTo("ePoxy");
    assertThat(production.hostPattern()).isEqualTo("^mlab[1-3]");
    assertThat(config.stage("staging").orElseThrow().images()).as("no pipeline: by hand").isEmpty();
  }

  @Test
  void rebootMethodsAndTheSlidingWindowBudgetHaveDefaultsAndAreChecked() throws ConfigException {
    FleetConfig config = ConfigLoader.parse(REAL_CONTROL_PLANE + """
        reboot: {maxUnavailable: 60, canary: 2}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a]}
          - name: production
            project: mlab-oti
            region: us-east1
            zones: [b]
            reboot:
              method: reboot-api
              api: {url: "https://reboot.example.org", username: fleet, passwordFile: /secrets/reboot}
              nodeDeadline: 45m
              exclude: {selectors: ["mlab/maintenance=true"]}
        """, Path.of("r.yaml"));

    FleetConfig.Stage sandbox = config.stage("sandbox").orElseThrow();
    assertThat(sandbox.reboot().limits()).isEqualTo(new org.fleetupgrade.reboot.window.WindowLimits(60, 1, 2, 2));
    assertThat(sandbox.reboot().deadlinePerNode()).isEqualTo(Duration.ofMinutes(30));
    assertThat(sandbox.rebooting().method()).isEqualTo(org.fleetupgrade.reboot.trigger.RebootMethod.SSH);
    assertThat(sandbox.rebooting().command()).isEqualTo("sudo systemctl reboot");
    assertThat(sandbox.rebooting().excludeTaints()).containsExactly("lame-duck");
    FleetConfig.Stage production = config.stage("production").orElseThrow();
    assertThat(production.reboot().deadlinePerNode()).isEqualTo(Duration.ofMinutes(45));
    assertThat(production.reboot().limits().canary()).as("inherited").isEqualTo(2);
    assertThat(production.rebooting().apiUrl()).isEqualTo("https://reboot.example.org");
    assertThat(production.rebooting().excludeSelectors()).containsExactly("mlab/maintenance=true");

    ConfigException e = errors(REAL_CONTROL_PLANE + """
        reboot:
          method: ipmi
          command: "sudo reboot; rm -rf /"
          sentinelPath: relative/path
        stages:
          - name: production
            project: mlab-oti
            region: us-east1
            zones: [b]
            reboot: {method: reboot-api, api: {url: "http://reboot.example.org", username: fleet, passwordEnv: PW}}
        """);
    assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith("test.yaml: reboot.method: ")
        .contains("valid methods are ssh, reboot-api, kured-sentinel"));
    assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith("test.yaml: reboot.command: reboot command 'sudo reboot;"));
    assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith("test.yaml: reboot.sentinelPath: "));
    assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith("test.yaml: stages[0].reboot.api: ")
        .contains("plain http"));
  }

  @Test
  void aStageThatPushesOverHttpsNeedsAToken() {
    ConfigException e = errors(REAL_CONTROL_PLANE + """
        stages:
          - name: sandbox
            project: mlab-sandbox
            region: us-west2
            zones: [a]
            images: {cloudBuild: {triggers: [t]}}
        """);

    assertThat(e.errors()).containsExactly("test.yaml: stages[0].images.tokenFile: is required (or tokenEnv) to push to"
        + " https://github.com/m-lab/epoxy-images.git; it may be set once in the top-level images section");
  }

  @Test
  void aStagesOwnTokenReplacesTheSharedOne() throws ConfigException {
    FleetConfig config = ConfigLoader.parse(REAL_CONTROL_PLANE + """
        images: {tokenFile: /shared/token}
        stages:
          - name: sandbox
            project: mlab-sandbox
            region: us-west2
            zones: [a]
            images: {tokenEnv: SANDBOX_TOKEN, cloudBuild: {triggers: [t]}}
        """, Path.of("t.yaml"));

    FleetConfig.Images images = config.stage("sandbox").orElseThrow().images().orElseThrow().images();
    assertThat(images.tokenEnv()).isEqualTo("SANDBOX_TOKEN");
    assertThat(images.tokenFile()).isNull();
  }

  @Test
  void badImageSettingsAreNamed() {
    ConfigException e = errors(REAL_CONTROL_PLANE + """
        images:
          repository: http://github.com/example/epoxy-images.git
          tokenFile: /t
          tokenEnv: "A B"
          branch: "sandbox-{version}"
          authorEmail: nobody
          configFile: ../config.sh
          pollInterval: 5m
        stages:
          - name: canary
            project: mlab-sandbox
            region: us-west2
            zones: [a]
            images:
              repository: https://user:secret@github.com/x/y.git
              cloudBuild: {region: "us-west2;id"}
              epoxy: {hostPattern: "^mlab[1-3"}
        """);

    assertThat(e.errors()).contains(
        "test.yaml: images.repository: 'http://github.com/example/epoxy-images.git' is not an https:// URL or a local path",
        "test.yaml: images.tokenEnv: 'A B' is not an environment variable's name",
        "test.yaml: images.branch: 'sandbox-{version}' is not a branch name ({kubernetes} may stand for the version)",
        "test.yaml: images.authorEmail: 'nobody' is not an email address",
        "test.yaml: images.configFile: '../config.sh' is not a path inside the repository (e.g. config.sh)",
        "test.yaml: images.pollInterval: must be at most 1m (got 5m): a wait heartbeats once per poll, and Temporal retries an"
            + " activity silent for 2m",
        "test.yaml: stages[0].images.repository: 'https://***@github.com/x/y.git' carries credentials: use tokenFile or tokenEnv",
        "test.yaml: stages[0].images.ref: is required for a stage not named sandbox, staging or production: branch, main or tag",
        "test.yaml: stages[0].images.cloudBuild.region: 'us-west2;id' is not global or a GCP region",
        "test.yaml: stages[0].images.epoxy: only a stage built from a release tag (ref: tag) points ePoxy hosts at its images",
        "test.yaml: stages[0].images.epoxy.hostPattern: '^mlab[1-3' is not a regular expression: Unclosed character class");
    assertThat(String.join("\n", e.errors())).doesNotContain("secret");
    assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith(
        "test.yaml: stages[0].images.cloudBuild.triggers: is required: the ids of the Cloud Build triggers"));
  }

  private static final String SIMULATED_STAGES = """
      stages:
        - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], promotion: scheduled,
           simulated: {currentVersion: v1.30.5}}
        - {name: production, project: mlab-oti, region: us-east1, zones: [b], simulated: {currentVersion: v1.30.5}}
      simulation: {timing: {}}
      """;

  @Test
  void theWeeklyPromotionScheduleIsALocalWeeklyTimeWithDefaults() throws ConfigException {
    FleetConfig config = ConfigLoader.parse("schedule: {day: tuesday, time: \"15:00\", timeZone: America/New_York}\n"
        + SIMULATED_STAGES, Path.of("test.yaml"));

    FleetConfig.Schedule schedule = config.schedule().orElseThrow();
    assertThat(schedule.day()).isEqualTo(DayOfWeek.TUESDAY);
    assertThat(schedule.time()).isEqualTo(LocalTime.of(15, 0));
    assertThat(schedule.zone()).hasToString("America/New_York");
    assertThat(schedule.catchupWindow()).isEqualTo(Duration.ofHours(1));
    assertThat(schedule.jitter()).isZero();
    assertThat(config.stages().get(0).promotion()).isEqualTo(PromotionMode.SCHEDULED);
    // On a server without Schedules: the same instant as a UTC window (EST in winter, EDT in summer)
    assertThat(schedule.asWindow(java.time.Instant.parse("2026-12-01T12:00:00Z")))
        .isEqualTo(new org.fleetupgrade.promotion.WeeklyWindow(DayOfWeek.TUESDAY, LocalTime.of(20, 0), Duration.ofHours(1)));
    assertThat(schedule.asWindow(java.time.Instant.parse("2026-07-01T12:00:00Z")).opens()).isEqualTo(LocalTime.of(19, 0));
  }

  @Test
  void aScheduledGateNeedsAScheduleAndAScheduleIsChecked() {
    assertThat(errors(SIMULATED_STAGES).errors()).containsExactly("test.yaml: stages[0].promotion: scheduled needs a"
        + " top-level 'schedule' section (e.g. {day: tuesday, time: \"15:00\", timeZone: America/New_York})");
    assertThat(errors("schedule: {day: someday, time: \"25:00\", timeZone: Mars/Olympus, catchupWindow: 3d,"
        + " jitter: 2h, every: week}\n" + SIMULATED_STAGES).errors()).containsExactlyInAnyOrder(
        "test.yaml: schedule.every: unknown field (known: catchupWindow, day, jitter, time, timeZone)",
        "test.yaml: schedule.day: 'someday' is not one of [monday, tuesday, wednesday, thursday, friday, saturday, sunday]",
        "test.yaml: schedule.time: '25:00' is not a time of day (HH:MM)",
        "test.yaml: schedule.timeZone: 'Mars/Olympus' is not a time zone (e.g. UTC, America/New_York)",
        "test.yaml: schedule.catchupWindow: must be at most 1d (got 3d): a weekly promotion missed by more than a day"
            + " waits for next week",
        "test.yaml: schedule.jitter: must be at most 1h (got 2h): a weekly promotion spread over more than an hour is"
            + " not at its time");
  }

  @Test
  void maintenanceWindowsDefaultForEveryStageAndAStageMayHaveItsOwn() throws ConfigException {
    FleetConfig config = ConfigLoader.parse("""
        maintenance: {days: [monday, tuesday, wednesday, thursday, friday], from: "09:00", to: "17:00",
                      timeZone: Europe/Berlin, exclude: ["2026-12-24"]}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}
          - {name: production, project: mlab-oti, region: us-east1, zones: [b], simulated: {currentVersion: v1.30.5},
             maintenance: {days: [tuesday], from: "14:00", to: "16:00", timeZone: America/New_York}}
        simulation: {timing: {}}
        """, Path.of("test.yaml"));

    assertThat(config.stages().get(0).plan().maintenance())
        .hasToString("Mon,Tue,Wed,Thu,Fri 09:00-17:00 Europe/Berlin except 2026-12-24");
    assertThat(config.stages().get(1).plan().maintenance()).hasToString("Tue 14:00-16:00 America/New_York");
  }

  @Test
  void aMaintenanceWindowThatCannotBeIsNamed() {
    assertThat(errors("""
        maintenance: {days: [someday], from: "18:00", to: "9:00", timeZone: Mars/Olympus, exclude: [tomorrow], every: 1}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}
        simulation: {timing: {}}
        """).errors()).containsExactlyInAnyOrder(
        "test.yaml: maintenance.every: unknown field (known: days, exclude, from, timeZone, to)",
        "test.yaml: maintenance.days: 'someday' is not a day of the week (monday ... sunday)",
        "test.yaml: maintenance.to: '9:00' is not a time of day (HH:MM)",
        "test.yaml: maintenance.timeZone: 'Mars/Olympus' is not a time zone (e.g. UTC, America/New_York)",
        "test.yaml: maintenance.exclude: 'tomorrow' is not a date (YYYY-MM-DD)");
    assertThat(errors("""
        maintenance: {days: [monday], from: "18:00", to: "09:00"}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}
        simulation: {timing: {}}
        """).errors()).containsExactly("test.yaml: maintenance.to: a maintenance window must open (18:00) before it"
        + " closes (09:00) on the same day");
  }

  @Test
  void anAlertGateDefaultsForEveryStageAndAStageMayHaveItsOwn() throws ConfigException {
    FleetConfig config = ConfigLoader.parse("""
        alerts:
          prometheus: http://prometheus.example:9090
          matchers: ['severity=~"critical|page"']
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}
          - name: production
            project: mlab-oti
            region: us-east1
            zones: [b]
            simulated: {currentVersion: v1.30.5}
            alerts: {alertmanager: "https://am.oti.example/alertmanager", matchers: ['team="platform"'],
                     exclude: ['alertname=~"Watchdog|InfoInhibitor"'], pollInterval: 30s, maxPoll: 5m, blockAfter: 1d,
                     cacheFor: 0s, timeout: 5s, onUnreachable: proceed}
        simulation: {timing: {}}
        """, Path.of("test.yaml"));

    FleetConfig.Alerts sandbox = config.stages().get(0).alerts();
    assertThat(sandbox.api()).isEqualTo(org.fleetupgrade.alerts.prometheus.AlertSource.Api.PROMETHEUS);
    assertThat(sandbox.endpoint()).hasToString("http://prometheus.example:9090");
    assertThat(sandbox.matchers()).containsExactly("severity=~\"critical|page\"");
    assertThat(sandbox.exclude()).as("default").containsExactly("alertname=\"Watchdog\"");
    assertThat(config.stages().get(0).plan().alerts()).isEqualTo(org.fleetupgrade.alerts.AlertGate.defaults());
    assertThat(sandbox.proceedWhenUnreachable()).isFalse();
    FleetConfig.Alerts production = config.stages().get(1).alerts();
    assertThat(production.api()).isEqualTo(org.fleetupgrade.alerts.prometheus.AlertSource.Api.ALERTMANAGER);
    assertThat(production.endpoint()).hasToString("https://am.oti.example/alertmanager");
    assertThat(config.stages().get(1).plan().alerts()).isEqualTo(new org.fleetupgrade.alerts.AlertGate(
        java.time.Duration.ofSeconds(30), java.time.Duration.ofMinutes(5), java.time.Duration.ofDays(1),
        java.time.Duration.ZERO));
    assertThat(production.proceedWhenUnreachable()).isTrue();
    assertThat(production.source().blocks(java.util.Map.of("alertname", "X", "team", "platform"))).isTrue();
    assertThat(production.source().blocks(java.util.Map.of("alertname", "InfoInhibitor", "team", "platform"))).isFalse();
  }

  @Test
  void aStageWithoutAlertsHasNoGate() throws ConfigException {
    FleetConfig config = ConfigLoader.parse("""
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}
        simulation: {timing: {}}
        """, Path.of("test.yaml"));
    assertThat(config.stages().get(0).alerts()).isNull();
    assertThat(config.stages().get(0).plan().alerts()).isNull();
  }

  @Test
  void anAlertGateThatCannotBeIsNamed() {
    assertThat(errors("""
        alerts: {prometheus: "prometheus:9090", matchers: ['severity=critical', 'sev=~"(crit"'],
                 exclude: ['alertname=="Watchdog"'], pollInterval: 0s, blockAfter: 30d, cacheFor: 2h, timeout: 5m,
                 onUnreachable: maybe, every: 1}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}
        simulation: {timing: {}}
        """).errors()).containsExactlyInAnyOrder(
        "test.yaml: alerts.every: unknown field (known: alertmanager, blockAfter, cacheFor, exclude, matchers, maxPoll,"
            + " onUnreachable, pollInterval, prometheus, timeout)",
        "test.yaml: alerts.prometheus: 'prometheus:9090' is not an http(s) URL",
        "test.yaml: alerts.matchers: 'severity=critical' is not a label matcher: a label name, one of = != =~ !~, and a"
            + " quoted value (e.g. severity=~\"critical|page\", alertname!=\"Watchdog\")",
        "test.yaml: alerts.matchers: 'sev=~\"(crit\"': not a valid regular expression: Unclosed group",
        "test.yaml: alerts.exclude: 'alertname==\"Watchdog\"' is not a label matcher: a label name, one of = != =~ !~,"
            + " and a quoted value (e.g. severity=~\"critical|page\", alertname!=\"Watchdog\")",
        "test.yaml: alerts.pollInterval: must be more than zero",
        "test.yaml: alerts.blockAfter: must be at most 7d (got 30d): an alert firing for a week is the operator's to"
            + " decide: the stage blocks",
        "test.yaml: alerts.cacheFor: must be at most 1h (got 2h): an answer older than an hour says little about now",
        "test.yaml: alerts.timeout: must be at most 1m (got 5m): the check is one HTTP request",
        "test.yaml: alerts.onUnreachable: 'maybe' is not wait or proceed");
    assertThat(errors("""
        alerts: {prometheus: "http://p:9090", pollInterval: 10m, maxPoll: 1m}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5},
             alerts: {matchers: []}}
          - {name: staging, project: mlab-staging, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5},
             alerts: {prometheus: "http://p:9090", alertmanager: "http://am:9093"}}
        simulation: {timing: {}}
        """).errors()).containsExactlyInAnyOrder(
        "test.yaml: alerts.maxPoll: must be at least pollInterval (10m)",
        "test.yaml: stages[0].alerts.prometheus: is required (or alertmanager): the URL the gate reads firing alerts from",
        "test.yaml: stages[1].alerts.alertmanager: give prometheus or alertmanager, not both: the gate reads one of them");
  }

  @Test
  void everyErrorIsReportedWithFileFieldAndReason() {
    ConfigException e = errors(REAL_CONTROL_PLANE + """
        temporal: {adress: x}
        stages:
          - name: Sandbox
            project: mlab-sandbox
            region: us-west2
            zones: [a, a]
            soak: -1d
            promotion: sometimes
          - name: staging
            project: p
            region: us-central1
            zones: []
            promotion: window
            convergenceDeadline: soon
        """);

    assertThat(e.errors()).containsExactlyInAnyOrder(
        "test.yaml: temporal.adress: unknown field (known: address, namespace, taskQueue)",
        "test.yaml: stages[0].name: 'Sandbox' is not a stage name (lower-case letters, digits, '-')",
        "test.yaml: stages[0].zones: lists a zone twice",
        "test.yaml: stages[0].soak: must not be negative (got -1d)",
        "test.yaml: stages[0].promotion: 'sometimes' is not one of [auto, approval, window, scheduled]",
        "test.yaml: stages[1].project: 'p' is not a GCP project id",
        "test.yaml: stages[1].zones: must list the zones of the control-plane members (e.g. [b, c, d])",
        "test.yaml: stages[1].window: is required when promotion is window (e.g. {day: tuesday, time: \"15:00\"})",
        "test.yaml: stages[1].convergenceDeadline: 'soon' is not a duration (e.g. 90s, 30m, 2h, 7d, 1h30m)");
  }

  @Test
  void aRealStageNeedsSshKeysPinnedHostKeysAndTheClusterCidrs() throws ConfigException {
    assertThat(errors("stages: [{name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a]}]").errors())
        .containsExactlyInAnyOrder(
            "test.yaml: controlPlane.ssh.privateKeyPath: is required when a stage is real (not simulated)",
            "test.yaml: controlPlane.ssh.knownHostsPath: is required when a stage is real (not simulated)",
            "test.yaml: controlPlane.clusterCidr: is required when a stage is real (not simulated)",
            "test.yaml: controlPlane.serviceCidr: is required when a stage is real (not simulated)");

    FleetConfig real = ConfigLoader.parse(REAL_CONTROL_PLANE + """
        drain: {timeout: 5m, force: true}
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a],
             kubernetes: {kubeconfig: /kube/sandbox, context: mlab-sandbox}}
        """, Path.of("real.yaml"));
    FleetConfig.Stage sandbox = real.stages().get(0);
    assertThat(sandbox.kubernetes()).contains(new FleetConfig.Kubernetes("/kube/sandbox", "mlab-sandbox"));
    assertThat(sandbox.adminConf()).isEqualTo(AdminConfCopy.to("gs://k8s-support-mlab-sandbox/admin.conf"));
    assertThat(real.drain()).isEqualTo(new FleetConfig.Drain(Duration.ofMinutes(5), true, false));
    assertThat(real.controlPlane().ssh().port()).isEqualTo(22);
    assertThat(real.controlPlane().ssh().acceptCertificatesWithoutPrincipalsFor()).as("OpenSSH's rule").isEmpty();
    assertThat(real.controlPlane().scriptTimeout()).isEqualTo(Duration.ofMinutes(45));
    assertThat(real.health().ignoredNodeTaints()).containsExactly("lame-duck");

    assertThat(errors("""
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], kubernetes: {},
             simulated: {currentVersion: v1.30.5}}
        simulation: {}
        """).errors()).contains("test.yaml: stages[0].kubernetes: a stage is either simulated or real (kubernetes), not both");
  }

  @Test
  void hostCertificatesWithoutPrincipalsAreAcceptedOnlyForTheHostsListed() throws ConfigException {
    // Given a real stage whose SSH settings accept certificates without principals for M-Lab's names
    String stage = "stages: [{name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a]}]\n";
    FleetConfig accepting = ConfigLoader.parse(REAL_CONTROL_PLANE.replace("knownHostsPath: /keys/known_hosts}",
        "knownHostsPath: /keys/known_hosts, acceptCertificatesWithoutPrincipalsFor: ['*.measurement-lab.org']}")
        + stage, Path.of("test.yaml"));

    // Then the patterns are carried; a malformed pattern, a port, or a non-list is an error naming the field
    assertThat(accepting.controlPlane().ssh().acceptCertificatesWithoutPrincipalsFor())
        .containsExactly("*.measurement-lab.org");
    assertThat(errors(REAL_CONTROL_PLANE.replace("knownHostsPath: /keys/known_hosts}",
        "knownHostsPath: /keys/known_hosts, acceptCertificatesWithoutPrincipalsFor: ['[*.measurement-lab.org']}")
        + stage).errors()).singleElement().asString().startsWith("test.yaml: controlPlane.ssh."
            + "acceptCertificatesWithoutPrincipalsFor: '[*.measurement-lab.org' is not a host pattern");
    assertThat(errors(REAL_CONTROL_PLANE.replace("knownHostsPath: /keys/known_hosts}",
        "knownHostsPath: /keys/known_hosts, acceptCertificatesWithoutPrincipalsFor: ['[*.org]:2222']}")
        + stage).errors()).singleElement().asString().contains("without a port");
    assertThat(errors(REAL_CONTROL_PLANE.replace("knownHostsPath: /keys/known_hosts}",
        "knownHostsPath: /keys/known_hosts, acceptCertificatesWithoutPrincipalsFor: true}") + stage).errors())
        .containsExactly("test.yaml: controlPlane.ssh.acceptCertificatesWithoutPrincipalsFor: must be a list");
    assertThat(errors(REAL_CONTROL_PLANE.replace("knownHostsPath: /keys/known_hosts}",
        "knownHostsPath: /keys/known_hosts, acceptCertificatesWithoutPrincipals: true}") + stage).errors())
        .singleElement().asString().contains("acceptCertificatesWithoutPrincipals");
  }

  @Test
  void structuralProblemsAreClear() {
    assertThat(errors("stages: []").errors()).containsExactly("test.yaml: stages: must list at least one stage");
    assertThat(errors("temporal: {}").errors()).containsExactly("test.yaml: stages: is required: list the stages in promotion order");
    assertThat(errors("stages: [\n  - {name: a").getMessage()).startsWith("test.yaml: line ").contains("not valid YAML");
    assertThat(errors("- a\n- b").getMessage()).isEqualTo("test.yaml: must be a YAML mapping with at least 'stages'");
    assertThat(errors("""
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30}}
        simulation: {faults: [{step: reboot, stage: nowhere}, {step: explode}]}
        """).errors()).containsExactlyInAnyOrder(
        "test.yaml: stages[0].simulated.currentVersion: 'v1.30' is not a release version: expected vMAJOR.MINOR.PATCH, e.g. v1.31.2",
        "test.yaml: simulation.faults[1].step: 'explode' is not one of [changelog, inventory, drain, upgrade, verify,"
            + " uncordon, node-tooling, image-build, reboot, health, admin-conf, node-lost, node-old-image, after-trigger,"
            + " kured-lock-held]",
        "test.yaml: simulation.faults[0].stage: unknown stage 'nowhere'");
  }

  @Test
  void aSimulatedFleetMayKeepItsStateInAFileAndBoundItsActivitiesSilence() throws ConfigException {
    String stages = """
        stages:
          - {name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], simulated: {currentVersion: v1.30.5}}
        """;
    FleetConfig kept = ConfigLoader.parse(stages + "simulation: {stateFile: /tmp/fleet.json, heartbeatTimeout: 5s}\n",
        Path.of("test.yaml"));
    assertThat(kept.simulation().orElseThrow().stateFile()).isEqualTo(Path.of("/tmp/fleet.json"));
    assertThat(kept.request(org.fleetupgrade.version.TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1"), java.util.List.of())
        .stages().get(0).heartbeatTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));

    FleetConfig memory = ConfigLoader.parse(stages + "simulation: {}\n", Path.of("test.yaml"));
    assertThat(memory.simulation().orElseThrow().stateFile()).isNull();
    assertThat(memory.request(org.fleetupgrade.version.TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1"),
        java.util.List.of()).stages().get(0).heartbeatTimeout()).isNull();

    assertThat(errors(stages + "simulation: {heartbeatTimeout: 500ms}\n").errors()).containsExactly(
        "test.yaml: simulation.heartbeatTimeout: must be at least 1s (got 500ms): simulated steps heartbeat every 250 ms");
    assertThat(errors(stages + "simulation: {heartbeatTimeout: 5m}\n").errors()).singleElement().asString()
        .startsWith("test.yaml: simulation.heartbeatTimeout: must be at most 2m (got 5m)");
  }

  @Test
  void changelogSourcesDefaultToTheOfficialOnesAndMustBeHttpUrls() throws ConfigException {
    FleetConfig fleet = ConfigLoader.load(REPO.resolve("config/fleet.yaml"));
    assertThat(fleet.changelog()).hasValueSatisfying(c -> {
      assertThat(c.changelogBase()).hasToString("https://raw.githubusercontent.com/kubernetes/kubernetes/master/CHANGELOG/");
      assertThat(c.releaseBase()).hasToString("https://dl.k8s.io/release/");
      assertThat(c.attempts()).isEqualTo(3);
    });
    assertThat(errors(REAL_CONTROL_PLANE + """
        stages: [{name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a]}]
        changelog: {changelogBaseUrl: "ftp://example.org/", releaseBaseUrl: "not a url", attempts: 0}
        """).errors()).containsExactlyInAnyOrder(
        "test.yaml: changelog.changelogBaseUrl: 'ftp://example.org/' is not an http(s) URL",
        "test.yaml: changelog.releaseBaseUrl: 'not a url' is not a URL: Illegal character in path",
        "test.yaml: changelog.attempts: must be at least 1 (got 0)");
  }

  @Test
  void nodesInFlightAreBoundedSoTheRolloutsCarriedStateStaysSmall() {
    assertThat(errors(REAL_CONTROL_PLANE + """
        stages: [{name: sandbox, project: mlab-sandbox, region: us-west2, zones: [a], reboot: {maxUnavailable: 5000}}]
        """).errors()).containsExactly("test.yaml: stages[0].reboot.maxUnavailable: must be at most 1000 (got 5000):"
        + " the rollout carries the nodes in flight across continue-as-new, and that payload must stay small");
  }

  @Test
  void durationsInOperatorForm() {
    assertThat(ConfigNode.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(ConfigNode.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(ConfigNode.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ConfigNode.parseDuration("PT2H")).isEqualTo(Duration.ofHours(2));
    assertThat(ConfigNode.parseDuration("2w")).isEqualTo(Duration.ofDays(14));
    assertThat(ConfigNode.parseDuration("7 days")).isNull();
    assertThat(ConfigNode.parseDuration("h")).isNull();
  }

  @Test
  void missingFileIsNamed() {
    assertThatThrownBy(() -> ConfigLoader.load(Path.of("nowhere.yaml")))
        .isInstanceOf(ConfigException.class).hasMessage("nowhere.yaml: no such file");
  }
}
