package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.fleetupgrade.worker.cli.JarProcess.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image step alone, through the real jar: its bad input, and a dry run against a local repository. */
class ImagesCliIT {

  @TempDir
  static Path dir;

  static Path repo;
  static ObjectId main;

  /** epoxy-images as a local repository (the file transport stands in for HTTPS). */
  @BeforeAll
  static void repository() throws Exception {
    repo = dir.resolve("epoxy-images");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("config.sh"), "# versions\nexport K8S_VERSION=v1.34.4\n"
          + "export K8S_CNI_VERSION=v1.9.0\nexport K8S_CRICTL_VERSION=v1.34.0\n");
      git.add().addFilepattern("config.sh").call();
      main = git.commit().setMessage("versions").setAuthor("someone", "someone@example.org")
          .setCommitter("someone", "someone@example.org").call().getId();
    }
  }

  private static Path config(String images) throws Exception {
    Path file = Files.createTempFile(dir, "images", ".yaml");
    Files.writeString(file, """
        controlPlane:
          ssh: {privateKeyPath: /keys/id, knownHostsPath: /keys/known_hosts}
          clusterCidr: 192.168.0.0/16
          serviceCidr: 172.25.0.0/16
        images:
          repository: %s
          cacheDir: %s
        %s
        stages:
          - name: sandbox
            project: mlab-sandbox
            region: us-west2
            zones: [a]
            images:
              cloudBuild: {triggers: [t-stage3, t-stage1], endpoint: "http://127.0.0.1:1"}
          - {name: staging, project: mlab-staging, region: us-central1, zones: [a]}
        """.formatted(repo, dir.resolve("cache"), images));
    return file;
  }

  private static void assertBadInput(Result result, String message) {
    assertThat(result.exit()).as(result.all()).isEqualTo(2);
    assertThat(result.err()).contains(message).doesNotContain("\tat ");
  }

  @Test
  void aDryRunPrintsTheChangeAndTheRefAndPushesNothing() throws Exception {
    Result result = JarProcess.run("images", "sandbox", "--config", config("").toString(), "--kubernetes", "v1.35.1",
        "--cni", "v1.9.1", "--crictl", "v1.35.0", "--dry-run");

    assertThat(result.exit()).as(result.all()).isZero();
    assertThat(result.out()).contains("images of sandbox: branch, built by Cloud Build mlab-sandbox triggers [t-stage3, t-stage1]",
        "sandbox-v1.35.1 at ", ": K8S_VERSION v1.34.4 -> v1.35.1, K8S_CNI_VERSION v1.9.0 -> v1.9.1,"
            + " K8S_CRICTL_VERSION v1.34.0 -> v1.35.0  [would push]",
        "--dry-run: nothing pushed, no build awaited, no host written");
    try (Git git = Git.open(repo.toFile())) {
      assertThat(git.getRepository().exactRef("refs/heads/sandbox-v1.35.1")).isNull();
      assertThat(git.getRepository().exactRef("refs/heads/main").getObjectId()).isEqualTo(main);
    }
  }

  @Test
  void badInputIsNamedAndNothingIsPushed() throws Exception {
    String[] versions = {"--kubernetes", "v1.35.1", "--cni", "v1.9.1", "--crictl", "v1.35.0"};
    Path ok = config("");
    assertBadInput(JarProcess.run(concat(new String[] {"images", "staging", "--config", ok.toString()}, versions)),
        "stage staging has no image pipeline in " + ok + " (stages.staging.images with cloudBuild.triggers)");
    assertBadInput(JarProcess.run(concat(new String[] {"images", "prod", "--config", ok.toString()}, versions)),
        "unknown stage 'prod': stages in " + ok + " are sandbox, staging");
    assertBadInput(JarProcess.run(concat(new String[] {"images", "sandbox", "--config", ok.toString(),
        "--images-tag", "2.4.31"}, versions)), "--images-tag: '2.4.31' is not a release tag vX.Y.Z (e.g. v2.4.31)");
    assertBadInput(JarProcess.run(concat(new String[] {"images", "sandbox", "--config", ok.toString(),
        "--commit", "abc"}, versions)), "--commit: 'abc' is not a full 40-character commit id");
    assertBadInput(JarProcess.run(concat(new String[] {"images", "sandbox", "--config", ok.toString(), "--dry-run",
        "--commit", "0123456789abcdef0123456789abcdef01234567"}, versions)),
        "the commit 0123456789abcdef0123456789abcdef01234567 to build is not in " + repo);
    Path noToken = config("  tokenFile: " + dir.resolve("no-such-token"));
    assertBadInput(JarProcess.run(concat(new String[] {"images", "sandbox", "--config", noToken.toString()}, versions)),
        noToken + ": stages.sandbox.images.tokenFile: cannot read " + dir.resolve("no-such-token"));
    assertBadInput(JarProcess.run("config", "check", noToken.toString()),
        noToken + ": stages.sandbox.images.tokenFile: " + dir.resolve("no-such-token") + " is not a readable file");
    Result check = JarProcess.run("config", "check", ok.toString());
    assertThat(check.exit()).as(check.all()).isZero();
    assertThat(check.out()).contains("images: ref branch, built by Cloud Build mlab-sandbox/global triggers"
        + " [t-stage3, t-stage1]", "images: by hand (no images.cloudBuild.triggers)", "main branch main, branch"
        + " sandbox-{kubernetes}", "a build appears within 15m, build timeout 3h");
    assertBadInput(JarProcess.run(concat(new String[] {"start", "--config", ok.toString(), "--images-tag", "latest",
        "--address", "127.0.0.1:1"}, versions)), "--images-tag: 'latest' is not a release tag vX.Y.Z");
    try (Git git = Git.open(repo.toFile())) {
      assertThat(git.getRepository().getRefDatabase().getRefsByPrefix("refs/heads/sandbox-")).isEmpty();
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
