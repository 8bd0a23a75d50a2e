package org.fleetupgrade.images.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * epoxy-images as a bare repository in a temp folder, plus a working clone through which the test
 * plays "someone else" (pushing to main, tagging releases). Its config.sh has the real file's shape.
 */
public final class Upstream {

  public static final String CONFIG = """
      # Common configuration for image builds; every build sources this file.
      #
      # Keep the Kubernetes versions in step with the cluster's deploy config.

      export SITES="https://siteinfo.${PROJECT}.example.net/v2/sites/sites.json"

      # K8S component versions
      export K8S_VERSION=v1.34.4
      export K8S_CNI_VERSION=v1.9.0
      export K8S_CRICTL_VERSION=v1.34.0
      # flannel is installed on its own since the CNI plugins dropped it.
      export K8S_FLANNELCNI_VERSION=v1.9.0-flannel1
      export K8S_TOOLING_VERSION=v0.19.0

      # multus-cni version
      export MULTUS_CNI_VERSION=4.1.0
      """;

  final Path bare;
  private final Path work;
  private final Git git;

  public Upstream(Path dir) throws Exception {
    this(dir, CONFIG);
  }

  /** With {@code config} as the first config.sh. */
  public Upstream(Path dir, String config) throws Exception {
    bare = dir.resolve("epoxy-images.git");
    work = dir.resolve("someone-else");
    Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
    git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call();
    git.remoteAdd().setName("origin").setUri(new org.eclipse.jgit.transport.URIish(bare.toUri().toURL())).call();
    commit("README.md", "images\n", "README");
    commit("config.sh", config, "Initial configuration");
  }

  public String url() {
    return bare.toString();
  }

  /** Someone else commits a file on main and pushes it. */
  public RevCommit commit(String file, String content, String message) throws IOException, GitAPIException {
    git.fetch().setRefSpecs(new RefSpec("+refs/heads/*:refs/remotes/origin/*")).call();
    Ref remoteMain = git.getRepository().exactRef("refs/remotes/origin/main");
    if (remoteMain != null) {
      git.reset().setMode(org.eclipse.jgit.api.ResetCommand.ResetType.HARD).setRef("origin/main").call();
    }
    Path path = work.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content, StandardCharsets.UTF_8);
    git.add().addFilepattern(file).call();
    RevCommit commit = git.commit().setMessage(message).setAuthor("someone", "someone@example.org")
        .setCommitter("someone", "someone@example.org").call();
    git.push().setRefSpecs(new RefSpec("HEAD:refs/heads/main")).call();
    return commit;
  }

  /** Someone else commits a file on {@code branch} (as fetched) and pushes it there. */
  public RevCommit commitOn(String branch, String file, String content, String message) throws IOException, GitAPIException {
    git.fetch().setRefSpecs(new RefSpec("+refs/heads/*:refs/remotes/origin/*")).call();
    git.checkout().setName("work-" + branch).setCreateBranch(true).setStartPoint("origin/" + branch).call();
    Path path = work.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content, StandardCharsets.UTF_8);
    git.add().addFilepattern(file).call();
    RevCommit commit = git.commit().setMessage(message).setAuthor("someone", "someone@example.org")
        .setCommitter("someone", "someone@example.org").call();
    git.push().setRefSpecs(new RefSpec("HEAD:refs/heads/" + branch)).call();
    git.checkout().setName("main").call();
    return commit;
  }

  /** Someone else tags a commit (annotated) and pushes the tag. */
  public void tag(String name, ObjectId commit) throws IOException, GitAPIException {
    try (RevWalk walk = new RevWalk(git.getRepository())) {
      git.fetch().setRefSpecs(new RefSpec("+refs/heads/*:refs/remotes/origin/*")).call();
      git.tag().setName(name).setObjectId(walk.parseCommit(commit)).setMessage("release " + name).call();
    }
    git.push().setRefSpecs(new RefSpec("refs/tags/" + name + ":refs/tags/" + name)).call();
  }

  public ObjectId ref(String name) throws IOException {
    try (Repository repo = Git.open(bare.toFile()).getRepository()) {
      Ref ref = repo.exactRef(name);
      return ref == null ? null : ref.getObjectId();
    }
  }

  /** A tag peeled to its commit, and its message (null for a lightweight tag). */
  record Tag(ObjectId commit, String message, String tagger) {}

  Tag tagOf(String name) throws IOException {
    try (Repository repo = Git.open(bare.toFile()).getRepository(); RevWalk walk = new RevWalk(repo)) {
      Ref ref = repo.exactRef("refs/tags/" + name);
      if (ref == null) {
        return null;
      }
      RevObject object = walk.parseAny(ref.getObjectId());
      if (object instanceof RevTag tag) {
        return new Tag(walk.peel(tag).getId(), tag.getFullMessage(), tag.getTaggerIdent().getName());
      }
      return new Tag(object.getId(), null, null);
    }
  }

  List<String> tags() throws IOException {
    try (Repository repo = Git.open(bare.toFile()).getRepository()) {
      return repo.getRefDatabase().getRefsByPrefix("refs/tags/").stream().map(r -> r.getName().substring(10)).sorted().toList();
    }
  }

  RevCommit commitAt(String ref) throws IOException {
    try (Repository repo = Git.open(bare.toFile()).getRepository(); RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(repo.resolve(ref));
      walk.parseBody(c);
      return c;
    }
  }

  /** The commits reachable from {@code ref} but not from {@code since}. */
  List<RevCommit> commitsBetween(String since, String ref) throws IOException {
    try (Repository repo = Git.open(bare.toFile()).getRepository(); RevWalk walk = new RevWalk(repo)) {
      walk.markStart(walk.parseCommit(repo.resolve(ref)));
      walk.markUninteresting(walk.parseCommit(repo.resolve(since)));
      List<RevCommit> commits = new ArrayList<>();
      walk.forEach(commits::add);
      return commits;
    }
  }

  public String file(String ref, String path) throws IOException {
    try (Repository repo = Git.open(bare.toFile()).getRepository(); RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(repo.resolve(ref));
      try (TreeWalk tree = TreeWalk.forPath(repo, path, c.getTree())) {
        return new String(repo.open(tree.getObjectId(0)).getBytes(), StandardCharsets.UTF_8);
      }
    }
  }
}
