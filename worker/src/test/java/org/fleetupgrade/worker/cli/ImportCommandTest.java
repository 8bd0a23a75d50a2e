package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `fleet-upgrade import` through picocli, as the jar runs it: exit codes, output, and what is written. */
class ImportCommandTest {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));

  record Result(int code, String out, String err) {}

  @TempDir
  Path dir;

  Path k8sDeploy;
  Path epoxy;
  Path into;
  String before;

  @BeforeEach
  void copies() throws IOException {
    k8sDeploy = write("k8s_deploy.conf", fixture("k8s_deploy.conf"));
    epoxy = write("config.sh", fixture("config.sh"));
    into = dir.resolve("fleet.yaml");
    Files.copy(REPO.resolve("config/fleet.yaml"), into);
    before = Files.readString(into);
  }

  private static String fixture(String name) throws IOException {
    try (InputStream in = ImportCommandTest.class.getResourceAsStream("/import/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  private Result run(String... args) {
    CommandLine cli = Main.cli(args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private Result importBoth(String... more) {
    List<String> args = new ArrayList<>(List.of("import", "--k8s-deploy-conf", k8sDeploy.toString(),
        "--epoxy-config", epoxy.toString(), "--into", into.toString()));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  @Test
  void importWritesTheChangesAndPrintsOneLinePerChange() throws IOException {
    // When both files are imported into a copy of fleet.yaml
    Result r = importBoth();

    // Then exit 0, a line per change naming its source line, and the file carries them
    assertThat(r.code()).as(r.err()).isEqualTo(Main.OK);
    assertThat(r.out()).contains(
        "versions.cni: v1.9.0 -> v1.9.1 (from " + k8sDeploy + ":12)\n",
        "versions.crictl: v1.34.0 -> v1.35.0 (from " + k8sDeploy + ":13)\n",
        "note: kubernetes v1.35.1 (from " + k8sDeploy + ":11) is not kept in the config",
        "ETCDCTL_VERSION differs: v3.5.24 (" + k8sDeploy + ":16) vs v3.5.16 (" + epoxy + ":18) (not imported)",
        "wrote " + into + " (2 changes)");
    assertThat(Files.readString(into)).contains("  crictl: v1.35.0\n")
        .contains("  cni: v1.9.1                     # what the fleet runs (epoxy-images config.sh): never older\n");
    assertThat(run("config", "check", into.toString()).code()).isEqualTo(Main.OK);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left behind")
          .containsExactlyInAnyOrder("k8s_deploy.conf", "config.sh", "fleet.yaml");
    }

    // And run again, it has nothing to change
    Result again = importBoth();
    assertThat(again.code()).isEqualTo(Main.OK);
    assertThat(again.out()).endsWith(into + ": nothing to change\n");
  }

  @Test
  void dryRunPrintsTheChangesAndWritesNothing() throws IOException {
    Result r = importBoth("--dry-run");

    assertThat(r.code()).as(r.err()).isEqualTo(Main.OK);
    assertThat(r.out()).contains("versions.cni: v1.9.0 -> v1.9.1 (from " + k8sDeploy + ":12)",
        "--dry-run: " + into + " not written (2 changes)");
    assertThat(Files.readString(into)).isEqualTo(before);
  }

  @Test
  void aDisagreementIsRefusedWithExit2UntilPreferSaysWhichWins() throws IOException {
    // Given config.sh with another Kubernetes version than k8s_deploy.conf
    write("config.sh", fixture("config.sh").replace("export K8S_VERSION=v1.35.1", "export K8S_VERSION=v1.35.2"));

    // When imported without --prefer: refused, nothing written
    Result refused = importBoth();
    assertThat(refused.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(refused.out()).contains("K8S_VERSION differs: v1.35.1 (" + k8sDeploy + ":11) vs v1.35.2 (" + epoxy
        + ":9)");
    assertThat(refused.err()).contains("disagree on K8S_VERSION: say which wins with --prefer k8s-deploy or --prefer"
        + " epoxy; nothing written");
    assertThat(Files.readString(into)).isEqualTo(before);

    // Then --prefer epoxy settles it and the import is written
    Result preferred = importBoth("--prefer", "epoxy");
    assertThat(preferred.code()).as(preferred.err()).isEqualTo(Main.OK);
    assertThat(preferred.out()).contains("--prefer epoxy takes v1.35.2", "note: kubernetes v1.35.2 (from " + epoxy
        + ":9)", "wrote " + into);
    assertThat(run("import", "--k8s-deploy-conf", k8sDeploy.toString(), "--into", into.toString(), "--prefer",
        "config.sh").err()).contains("--prefer: 'config.sh' is not k8s-deploy or epoxy");
  }

  @Test
  void aDowngradeIsRefusedWithExit2UnlessAllowed() throws IOException {
    write("k8s_deploy.conf", fixture("k8s_deploy.conf").replace("K8S_CRICTL_VERSION=\"v1.35.0\"",
        "K8S_CRICTL_VERSION=\"v1.33.0\""));
    write("config.sh", fixture("config.sh").replace("v1.35.0", "v1.33.0"));

    Result refused = importBoth();
    assertThat(refused.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(refused.out()).contains("versions.crictl: v1.34.0 -> v1.33.0 (from " + k8sDeploy + ":13)");
    assertThat(refused.err()).contains("refusing to downgrade versions.crictl v1.34.0 -> v1.33.0 (--allow-downgrade"
        + " writes it anyway); nothing written");
    assertThat(Files.readString(into)).isEqualTo(before);

    Result allowed = importBoth("--allow-downgrade");
    assertThat(allowed.code()).as(allowed.err()).isEqualTo(Main.OK);
    assertThat(Files.readString(into)).contains("  crictl: v1.33.0\n");
  }

  @Test
  void aMalformedLineOrACommandSubstitutionIsExit2NamingTheLine() throws IOException {
    write("k8s_deploy.conf", fixture("k8s_deploy.conf")
        .replace("K8S_CLUSTER_CIDR=\"192.168.0.0/16\"", "K8S_CLUSTER_CIDR=\"$(gcloud compute networks list)\"")
        .replace("TOKEN_SERVER_PORT=\"8800\"", "source ./more.conf"));

    Result r = importBoth();

    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("cannot read " + k8sDeploy + ":",
        k8sDeploy + ":18: command substitution ($(...)) is not read: this file is never run:"
            + " K8S_CLUSTER_CIDR=\"$(gcloud compute networks list)\"",
        k8sDeploy + ":22: not a comment, a blank line or a NAME=value assignment: source ./more.conf");
    assertThat(r.out()).isEmpty();
    assertThat(Files.readString(into)).isEqualTo(before);
  }

  @Test
  void aResultTheLoaderRejectsIsExit2AndNothingIsWritten() throws IOException {
    write("k8s_deploy.conf", fixture("k8s_deploy.conf").replace("GCE_ZONES_mlab_oti=\"b c d\"",
        "GCE_ZONES_mlab_oti=\"b b d\""));

    Result r = importBoth();

    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.out()).contains("stages[2].zones: [b, c, d] -> [b, b, d] (from " + k8sDeploy + ":38)");
    assertThat(r.err()).contains("with these changes the config would not load, so nothing is written",
        "stages[2].zones: lists a zone twice");
    assertThat(Files.readString(into)).isEqualTo(before);
  }

  @Test
  void missingInputsAreExit2() {
    assertThat(run("import", "--into", into.toString()).code()).as("--k8s-deploy-conf is required")
        .isEqualTo(Main.BAD_INPUT);
    Result missing = run("import", "--k8s-deploy-conf", dir.resolve("nope.conf").toString(), "--into",
        into.toString());
    assertThat(missing.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(missing.err()).contains("nope.conf: no such file (--k8s-deploy-conf)");
    Result noConfig = run("import", "--k8s-deploy-conf", k8sDeploy.toString(), "--into",
        dir.resolve("fleet-missing.yaml").toString());
    assertThat(noConfig.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(noConfig.err()).contains("fleet-missing.yaml: no such file (--into)");
  }
}
