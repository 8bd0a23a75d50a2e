package org.fleetupgrade.images.git;

import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TagBuilder;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.fleetupgrade.images.ImageBuild;
import org.fleetupgrade.images.ImageRelease;
import org.fleetupgrade.images.ImageRequest;
import org.fleetupgrade.images.VersionChange;
import org.fleetupgrade.version.InvalidVersionException;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an upgrade's versions into epoxy-images and pushes the ref a stage builds from, with JGit
 * over HTTPS (no git binary, no working tree: commits and tags are written straight into a bare
 * mirror in the worker's cache, which is fetched anew before every decision).
 *
 * <p>Idempotent by looking, not by remembering: a ref that already points at a commit carrying the
 * versions is reused, so a re-run after a crash anywhere between edit and push pushes at most once.
 * Pushes name the old value they expect, so a ref someone moved meanwhile is never overwritten.
 */
public final class EpoxyImagesRepository {

  private static final Logger log = LoggerFactory.getLogger(EpoxyImagesRepository.class);

  /** epoxy-images' release tags (what its production trigger builds). */
  static final Pattern RELEASE_TAG = Pattern.compile("v(\\d+)\\.(\\d+)\\.(\\d+)");

  /** Not retryable: a person must act (a moved main branch, a taken tag, a commit without the versions). */
  public static final String REF_CONFLICT = "ImagesRefConflict";
  /** Retryable: the repository could not be reached. */
  public static final String GIT_FAILED = "ImagesGitFailed";
  /** Not retryable: the repository refused us (credentials, permissions, a protected ref). */
  public static final String GIT_REFUSED = "ImagesGitRefused";
  /** Not retryable: a commit to build is not in the repository. */
  public static final String COMMIT_MISSING = "ImagesCommitMissing";

  /** Where a re-run may start after a crash; tests stop there. */
  enum Point { COMMITTED, PUSHED }

  private final RepositorySettings settings;
  private final Clock clock;
  private Consumer<Point> checkpoint = point -> { };

  public EpoxyImagesRepository(RepositorySettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  void onCheckpoint(Consumer<Point> hook) {
    this.checkpoint = hook;
  }

  /**
   * Makes {@code policy}'s ref carry the request's versions. With {@code dryRun} nothing is pushed:
   * the result says what would be (its commit exists only in the local cache).
   */
  public synchronized ImageRelease publish(RefPolicy policy, ImageRequest request, boolean dryRun) {
    try (Repository repo = mirror(); RevWalk walk = new RevWalk(repo)) {
      return switch (policy) {
        case BRANCH -> branch(repo, walk, request, dryRun);
        case MAIN -> main(repo, walk, request, dryRun);
        case TAG -> tag(repo, walk, request, dryRun);
      };
    } catch (org.eclipse.jgit.api.errors.TransportException e) {
      throw transportFailure("fetch from", e);
    } catch (IOException | GitAPIException e) {
      throw ApplicationFailure.newFailure(settings.url() + ": " + e.getMessage(), GIT_FAILED);
    }
  }

  // ---- the three policies ----

  private ImageRelease branch(Repository repo, RevWalk walk, ImageRequest request, boolean dryRun) throws IOException {
    String branch = settings.branchPattern().replace("{kubernetes}", request.target().kubernetes().toString());
    TargetVersions target = request.target();
    RevCommit main = mainHead(repo, walk);
    Optional<RevCommit> existing = remoteBranch(repo, walk, branch);
    if (existing.isPresent()) {
      requireOurs(repo, branch, existing.get(), main);
    }
    if (existing.isPresent() && config(repo, existing.get()).carries(target)) {
      return release(request, branch, existing.get(), config(repo, existing.get()).changesFrom(config(repo, main)), true,
          ImageBuild.LATEST, commitTime(existing.get()));
    }
    // Our branch with other versions (an earlier try with another CNI, say) moves forward; a new one starts at main.
    RevCommit base;
    if (existing.isPresent()) {
      base = existing.get();
    } else {
      base = request.baseCommit() == null ? main : commit(walk, request.baseCommit());
    }
    ConfigFile before = config(repo, base);
    RevCommit commit = commitVersions(repo, walk, base, request);
    if (!dryRun) {
      push(repo, commit, Constants.R_HEADS + branch, existing.map(RevCommit::getId).orElse(ObjectId.zeroId()));
    }
    return release(request, branch, commit, before.changesTo(target), false, ImageBuild.LATEST, commitTime(commit));
  }

  private ImageRelease main(Repository repo, RevWalk walk, ImageRequest request, boolean dryRun) throws IOException {
    String branch = settings.mainBranch();
    TargetVersions target = request.target();
    RevCommit head = mainHead(repo, walk);
    ConfigFile before = config(repo, head);
    if (request.baseCommit() == null) {
      if (before.carries(target)) {
        return release(request, branch, head, List.of(), true, ImageBuild.LATEST, commitTime(head));
      }
      RevCommit commit = commitVersions(repo, walk, head, request);
      if (!dryRun) {
        pushFastForward(repo, walk, commit, head);
      }
      return release(request, branch, commit, before.changesTo(target), false, ImageBuild.LATEST, commitTime(commit));
    }
    RevCommit built = commit(walk, request.baseCommit());
    requireVersions(repo, built, target, "the commit " + abbreviate(built) + " that an earlier stage built");
    if (head.equals(built)) {
      return release(request, branch, built, List.of(), true, ImageBuild.LATEST, commitTime(built));
    }
    if (!walk.isMergedInto(head, built)) {
      throw inTheWay(repo, walk, head, built);
    }
    if (!dryRun) {
      pushFastForward(repo, walk, built, head);
    }
    return release(request, branch, built, config(repo, built).changesFrom(before), false, ImageBuild.LATEST,
        commitTime(built));
  }

  private ImageRelease tag(Repository repo, RevWalk walk, ImageRequest request, boolean dryRun) throws IOException {
    TargetVersions target = request.target();
    RevCommit commit;
    if (request.baseCommit() != null) {
      commit = commit(walk, request.baseCommit());
      requireVersions(repo, commit, target, "the commit " + abbreviate(commit) + " that an earlier stage built");
    } else {
      commit = mainHead(repo, walk);
      requireVersions(repo, commit, target, "no earlier stage built images in this upgrade, and " + settings.mainBranch()
          + " (" + abbreviate(commit) + ")");
    }
    RevCommit main = mainHead(repo, walk);
    try (RevWalk check = new RevWalk(repo)) {
      if (!check.isMergedInto(check.parseCommit(commit), check.parseCommit(main))) {
        throw ApplicationFailure.newNonRetryableFailure("the commit " + abbreviate(commit) + " to release is not on "
            + settings.mainBranch() + " (at " + abbreviate(main) + "): a release is cut from what staging built from "
            + settings.mainBranch(), REF_CONFLICT);
      }
    }
    List<ReleaseTag> tags = releaseTags(repo, walk);
    ConfigFile previous = tags.isEmpty() ? null : config(repo, tags.get(tags.size() - 1).commit());
    List<VersionChange> changes = previous == null ? List.of() : config(repo, commit).changesFrom(previous);
    if (request.imagesTag() != null) {
      Optional<ReleaseTag> taken = tags.stream().filter(t -> t.name().equals(request.imagesTag())).findFirst();
      if (taken.isPresent()) {
        if (!taken.get().commit().equals(commit)) {
          throw ApplicationFailure.newNonRetryableFailure("the tag " + request.imagesTag() + " already exists on "
              + abbreviate(taken.get().commit()) + ", not on " + abbreviate(commit) + " (the commit to release):"
              + " choose another with start --images-tag", REF_CONFLICT);
        }
        return release(request, taken.get().name(), commit, changes, true, taken.get().name(), taken.get().created());
      }
    } else {
      Optional<ReleaseTag> onCommit = tags.stream().filter(t -> t.commit().equals(commit))
          .max(Comparator.comparing(ReleaseTag::order));
      if (onCommit.isPresent()) {
        return release(request, onCommit.get().name(), commit, changes, true, onCommit.get().name(),
            onCommit.get().created());
      }
    }
    String name = request.imagesTag() != null ? request.imagesTag() : nextPatch(tags);
    Instant now = clock.instant();
    ObjectId tagId;
    try (ObjectInserter inserter = repo.newObjectInserter()) {
      TagBuilder tag = new TagBuilder();
      tag.setTag(name);
      tag.setObjectId(commit);
      tag.setTagger(ident(now));
      tag.setMessage("Release " + name + ": Kubernetes " + target.kubernetes() + ", CNI plugins " + target.cni()
          + ", crictl " + target.crictl() + "\n\nTagged by fleet-upgrade for " + request.upgradeId()
          + " on the commit staging built and soaked.\n");
      tagId = inserter.insert(tag);
      inserter.flush();
    }
    if (!dryRun) {
      push(repo, tagId, Constants.R_TAGS + name, ObjectId.zeroId());
    }
    return release(request, name, commit, changes, false, name, now);
  }

  // ---- reading ----

  /** The bare mirror, fetched now: branches under refs/remotes/origin, tags as they are (pruned). */
  private Repository mirror() throws IOException, GitAPIException {
    Path dir = settings.cacheDir().resolve(cacheName(settings.url()));
    if (!Files.isDirectory(dir.resolve("objects"))) {
      Files.createDirectories(dir);
      Git.init().setBare(true).setDirectory(dir.toFile()).call().close();
    }
    Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
    try (Git git = new Git(repo)) {
      FetchResult result = git.fetch()
          .setRemote(settings.url())
          .setCredentialsProvider(settings.credentials())
          .setTimeout((int) Math.max(1, settings.timeout().toSeconds()))
          .setRefSpecs(new RefSpec("+refs/heads/*:refs/remotes/origin/*"), new RefSpec("+refs/tags/*:refs/tags/*"))
          .setRemoveDeletedRefs(true)
          .call();
      log.debug("fetched {}: {} refs", settings.url(), result.getAdvertisedRefs().size());
    } catch (GitAPIException | RuntimeException e) {
      repo.close();
      throw e;
    }
    return repo;
  }

  private RevCommit mainHead(Repository repo, RevWalk walk) throws IOException {
    Optional<RevCommit> head = remoteBranch(repo, walk, settings.mainBranch());
    if (head.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(settings.url() + " has no branch '" + settings.mainBranch()
          + "' (images.mainBranch): its branches are " + branchNames(repo), REF_CONFLICT);
    }
    return head.get();
  }

  private static Optional<RevCommit> remoteBranch(Repository repo, RevWalk walk, String branch) throws IOException {
    Ref ref = repo.exactRef("refs/remotes/origin/" + branch);
    return ref == null ? Optional.empty() : Optional.of(walk.parseCommit(ref.getObjectId()));
  }

  private static String branchNames(Repository repo) throws IOException {
    return String.join(", ", repo.getRefDatabase().getRefsByPrefix("refs/remotes/origin/").stream()
        .map(r -> r.getName().substring("refs/remotes/origin/".length())).sorted().toList());
  }

  private RevCommit commit(RevWalk walk, String id) throws IOException {
    try {
      return walk.parseCommit(ObjectId.fromString(id));
    } catch (org.eclipse.jgit.errors.MissingObjectException | IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure("the commit " + id + " to build is not in " + settings.url()
          + " (an earlier stage's, whose branch may have been deleted, or one given by hand)", COMMIT_MISSING);
    }
  }

  /**
   * An existing branch of ours is reused or moved on only if it sits on the current main and holds
   * nothing but our commits: anything else would build (and later merge) what nobody reviewed.
   */
  private void requireOurs(Repository repo, String branch, RevCommit head, RevCommit main) throws IOException {
    try (RevWalk check = new RevWalk(repo)) {
      if (!check.isMergedInto(check.parseCommit(main), check.parseCommit(head))) {
        throw ApplicationFailure.newNonRetryableFailure("the branch " + branch + " exists at " + abbreviate(head)
            + " but is not on " + settings.mainBranch() + " (at " + abbreviate(main) + "): it was made from an older "
            + settings.mainBranch() + " or by someone else; delete it, then retry", REF_CONFLICT);
      }
    }
    List<String> foreign = new ArrayList<>();
    try (RevWalk log = new RevWalk(repo)) {
      log.markStart(log.parseCommit(head));
      log.markUninteresting(log.parseCommit(main));
      for (RevCommit c : log) {
        if (!settings.authorEmail().equals(c.getAuthorIdent().getEmailAddress())) {
          foreign.add(abbreviate(c) + " " + c.getShortMessage() + " (" + c.getAuthorIdent().getName() + ")");
        }
      }
    }
    if (!foreign.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("the branch " + branch + " holds commits not written by"
          + " fleet-upgrade (" + String.join("; ", foreign.subList(0, Math.min(10, foreign.size())))
          + "): building it would ship them; delete the branch or move them out, then retry", REF_CONFLICT);
    }
  }

  private ConfigFile config(Repository repo, RevCommit commit) throws IOException {
    String where = settings.configFile() + " at " + abbreviate(commit);
    try (TreeWalk tree = TreeWalk.forPath(repo, settings.configFile(), commit.getTree())) {
      if (tree == null) {
        throw ApplicationFailure.newNonRetryableFailure(settings.url() + ": no " + where + " (images.configFile)",
            ConfigFile.MALFORMED);
      }
      return new ConfigFile(where, new String(repo.open(tree.getObjectId(0)).getBytes(), StandardCharsets.UTF_8));
    }
  }

  private void requireVersions(Repository repo, RevCommit commit, TargetVersions target, String what) throws IOException {
    List<VersionChange> missing = config(repo, commit).changesTo(target);
    if (!missing.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(what + " does not carry the target versions in "
          + settings.configFile() + ": " + String.join(", ", missing.stream()
              .map(c -> c.variable() + "=" + c.from() + " (want " + c.to() + ")").toList()), REF_CONFLICT);
    }
  }

  /** A release tag, peeled to its commit, ordered by version. */
  private record ReleaseTag(String name, RevCommit commit, long order, Instant created) {}

  private static List<ReleaseTag> releaseTags(Repository repo, RevWalk walk) throws IOException {
    List<ReleaseTag> tags = new ArrayList<>();
    for (Ref ref : repo.getRefDatabase().getRefsByPrefix(Constants.R_TAGS)) {
      String name = ref.getName().substring(Constants.R_TAGS.length());
      Matcher m = RELEASE_TAG.matcher(name);
      if (!m.matches()) {
        continue;
      }
      RevObject object = walk.parseAny(ref.getObjectId());
      Instant created = null;
      if (object instanceof RevTag annotated) {
        created = annotated.getTaggerIdent() == null ? null : annotated.getTaggerIdent().getWhenAsInstant();
      }
      RevObject peeled = walk.peel(object);
      if (!(peeled instanceof RevCommit commit)) {
        continue;
      }
      walk.parseHeaders(commit);
      long order = Long.parseLong(m.group(1)) * 1_000_000_000_000L + Long.parseLong(m.group(2)) * 1_000_000L
          + Long.parseLong(m.group(3));
      tags.add(new ReleaseTag(name, commit, order, created == null ? commitTime(commit) : created));
    }
    tags.sort(Comparator.comparingLong(ReleaseTag::order));
    return tags;
  }

  private String nextPatch(List<ReleaseTag> tags) {
    if (tags.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(settings.url() + " has no vX.Y.Z release tag to count from:"
          + " name the first with start --images-tag", REF_CONFLICT);
    }
    Matcher m = RELEASE_TAG.matcher(tags.get(tags.size() - 1).name());
    if (!m.matches()) {
      throw new IllegalStateException("not a release tag: " + tags.get(tags.size() - 1).name());
    }
    return "v" + m.group(1) + "." + m.group(2) + "." + (Long.parseLong(m.group(3)) + 1);
  }

  // ---- writing ----

  /** A commit on {@code base} with the versions set; {@code base} itself when it already carries them. */
  private RevCommit commitVersions(Repository repo, RevWalk walk, RevCommit base, ImageRequest request)
      throws IOException {
    ConfigFile before = config(repo, base);
    List<VersionChange> changes = before.changesTo(request.target());
    if (changes.isEmpty()) {
      return base;
    }
    refuseDowngrade(before, changes);
    ConfigFile after = before.edit(request.target());
    Instant now = clock.instant();
    ObjectId id;
    try (ObjectInserter inserter = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader()) {
      ObjectId blob = inserter.insert(Constants.OBJ_BLOB, after.text().getBytes(StandardCharsets.UTF_8));
      DirCache index = DirCache.read(reader, base.getTree());
      DirCacheEditor editor = index.editor();
      editor.add(new DirCacheEditor.PathEdit(settings.configFile()) {
        @Override
        public void apply(DirCacheEntry entry) {
          entry.setObjectId(blob); // the file mode stays as it was
        }
      });
      editor.finish();
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(index.writeTree(inserter));
      commit.setParentId(base);
      commit.setAuthor(ident(now));
      commit.setCommitter(ident(now));
      commit.setMessage(commitMessage(request, changes));
      id = inserter.insert(commit);
      inserter.flush();
    }
    checkpoint.accept(Point.COMMITTED);
    return walk.parseCommit(id);
  }

  /** Images older than what the repository already builds would take the fleet backwards. */
  private static void refuseDowngrade(ConfigFile before, List<VersionChange> changes) {
    for (VersionChange change : changes) {
      try {
        if (ReleaseVersion.parse(change.from()).compareTo(ReleaseVersion.parse(change.to())) > 0) {
          throw ApplicationFailure.newNonRetryableFailure(before.path() + " already has " + change.variable() + "="
              + change.from() + ", newer than the target " + change.to() + ": not building older images", REF_CONFLICT);
        }
      } catch (InvalidVersionException notAVersion) {
        // A value we cannot compare (a custom build) is replaced as asked.
      }
    }
  }

  static String commitMessage(ImageRequest request, List<VersionChange> changes) {
    StringBuilder message = new StringBuilder("Kubernetes ").append(request.target().kubernetes())
        .append(" for ").append(request.upgradeId()).append("\n\n");
    changes.forEach(c -> message.append(c).append('\n'));
    message.append("\nWritten by fleet-upgrade (").append(request.upgradeId()).append(", stage ").append(request.stage())
        .append("): CNI plugins ").append(request.target().cni()).append(", crictl ").append(request.target().crictl())
        .append(".\n");
    return message.toString();
  }

  private void pushFastForward(Repository repo, RevWalk walk, RevCommit commit, RevCommit expectedHead)
      throws IOException {
    try {
      push(repo, commit, Constants.R_HEADS + settings.mainBranch(), expectedHead);
    } catch (ApplicationFailure rejected) {
      if (!REF_CONFLICT.equals(rejected.getType())) {
        throw rejected;
      }
      // Moved between our fetch and our push: say by whom, from a fresh fetch.
      try (Repository fresh = mirror(); RevWalk freshWalk = new RevWalk(fresh)) {
        RevCommit head = mainHead(fresh, freshWalk);
        throw inTheWay(fresh, freshWalk, head, freshWalk.parseCommit(commit));
      } catch (GitAPIException e) {
        throw rejected;
      }
    }
  }

  private void push(Repository repo, ObjectId object, String remoteRef, ObjectId expectedOld) throws IOException {
    RemoteRefUpdate update = new RemoteRefUpdate(repo, null, object, remoteRef, false, null,
        expectedOld == null ? ObjectId.zeroId() : expectedOld);
    try (Transport transport = Transport.open(repo, new URIish(settings.url()))) {
      transport.setCredentialsProvider(settings.credentials());
      transport.setTimeout((int) Math.max(1, settings.timeout().toSeconds()));
      PushResult result = transport.push(org.eclipse.jgit.lib.NullProgressMonitor.INSTANCE, List.of(update));
      RemoteRefUpdate.Status status = result.getRemoteUpdate(remoteRef).getStatus();
      switch (status) {
        case OK, UP_TO_DATE -> log.info("pushed {} to {} {}", object.name(), settings.url(), remoteRef);
        case REJECTED_NONFASTFORWARD, REJECTED_REMOTE_CHANGED -> throw ApplicationFailure.newNonRetryableFailure(
            remoteRef + " in " + settings.url() + " changed while we pushed (expected it at "
                + (ObjectId.zeroId().equals(expectedOld) ? "nothing" : expectedOld.name()) + "): not overwriting it",
            REF_CONFLICT);
        case REJECTED_OTHER_REASON, REJECTED_NODELETE, NON_EXISTING -> throw ApplicationFailure.newNonRetryableFailure(
            "push of " + remoteRef + " to " + settings.url() + " refused: " + status + remoteMessage(result, remoteRef)
                + " (a protected branch or tag, or a token without write access?)", GIT_REFUSED);
        default -> throw ApplicationFailure.newFailure("push of " + remoteRef + " to " + settings.url() + " failed: "
            + status + remoteMessage(result, remoteRef), GIT_FAILED);
      }
    } catch (java.net.URISyntaxException e) {
      throw ApplicationFailure.newNonRetryableFailure("images.repository: not a URL: " + settings.url(), GIT_FAILED);
    } catch (org.eclipse.jgit.errors.TransportException e) {
      throw transportFailure("push to", e);
    }
    checkpoint.accept(Point.PUSHED);
  }

  private static String remoteMessage(PushResult result, String remoteRef) {
    String message = result.getRemoteUpdate(remoteRef).getMessage();
    return message == null ? "" : " (" + message + ")";
  }

  /** Refused credentials are not retried (five pushes with a wrong token help nobody); the network is. */
  private ApplicationFailure transportFailure(String what, Exception e) {
    String message = String.valueOf(e.getMessage());
    String lower = message.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("not authorized") || lower.contains("authentication") || lower.contains("403")
        || lower.contains("401") || lower.contains("permission")) {
      return ApplicationFailure.newNonRetryableFailure(what + " " + settings.url() + " refused: " + message
          + " (check images.tokenFile / tokenEnv and that the token may push)", GIT_REFUSED);
    }
    return ApplicationFailure.newFailure(what + " " + settings.url() + " failed: " + message, GIT_FAILED);
  }

  /** The commits on main that are not in what we would fast-forward to: someone else's work. */
  private ApplicationFailure inTheWay(Repository repo, RevWalk walk, RevCommit head, RevCommit ours) throws IOException {
    List<String> commits = new ArrayList<>();
    try (RevWalk log = new RevWalk(repo)) {
      log.markStart(log.parseCommit(head));
      log.markUninteresting(log.parseCommit(ours));
      for (RevCommit c : log) {
        if (commits.size() == 10) {
          commits.add("...");
          break;
        }
        commits.add(abbreviate(c) + " " + c.getShortMessage() + " (" + c.getAuthorIdent().getName() + ")");
      }
    }
    return ApplicationFailure.newNonRetryableFailure(settings.mainBranch() + " moved: it is at " + abbreviate(head)
        + ", which " + abbreviate(ours) + " does not contain, so it cannot be fast-forwarded (no merge, no force)."
        + " Commits in the way: " + String.join("; ", commits) + ". Rebase the change onto "
        + settings.mainBranch() + " by hand and push it, then skip this step, or abort.", REF_CONFLICT);
  }

  private ImageRelease release(ImageRequest request, String ref, RevCommit commit, List<VersionChange> changes,
      boolean reused, String imagesVersion, Instant pushedAt) {
    return new ImageRelease(request.stage(), ref, commit.name(), changes, reused, imagesVersion, pushedAt);
  }

  private PersonIdent ident(Instant when) {
    return new PersonIdent(settings.authorName(), settings.authorEmail(), when, ZoneOffset.UTC);
  }

  private static Instant commitTime(RevCommit commit) {
    return commit.getCommitterIdent().getWhenAsInstant();
  }

  private static String abbreviate(ObjectId id) {
    return id.name().substring(0, 12);
  }

  /** One folder per repository URL, named so that no two URLs share one. */
  static String cacheName(String url) {
    String tail = url.replaceAll("[/\\\\]+$", "").replaceAll(".*[/\\\\:]", "").replaceAll("[^A-Za-z0-9._-]", "_");
    try {
      byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
      return tail + "-" + HexFormat.of().formatHex(hash, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
