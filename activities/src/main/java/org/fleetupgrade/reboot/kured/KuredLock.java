package org.fleetupgrade.reboot.kured;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds kured's reboot lock while fleet-upgrade reboots nodes itself, so kured (which reboots a node
 * only while it holds that lock) waits instead of rebooting a node in the middle of our rollout.
 *
 * <p>The lock is kured's own: an annotation on its DaemonSet, in the JSON kured writes (see
 * {@link LockAnnotation}), with our holder id as nodeID. A holder id is never a node name (it has
 * slashes), so kured never mistakes our lock for one it must release after a reboot. Every write is
 * an update carrying the resourceVersion just read: if anyone (kured on some node) wrote in between,
 * the API server refuses it (409) and we read and decide again, as kured does.
 *
 * <p>When kured runs with --concurrency N > 1 it reads the multi-owner form and reboots while fewer
 * than N unexpired locks are listed, so there we fill all N slots with ours.
 */
public final class KuredLock {

  public static final String NOT_FOUND = "KuredNotFound";
  public static final String MALFORMED = "KuredLockMalformed";
  /** kured's flags point at another DaemonSet or annotation than our settings: our lock would not stop it. */
  public static final String MISMATCH = "KuredLockMismatch";
  /** Retryable: every write of a few in a row lost a race. */
  public static final String CONTENDED = "KuredLockContended";

  static final int TRIES = 5;

  private static final Logger log = LoggerFactory.getLogger(KuredLock.class);

  private final KubernetesClient client;
  private final KuredLockSettings settings;
  private final Clock clock;

  public KuredLock(KubernetesClient client, KuredLockSettings settings, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * Takes the lock for {@code holderId} (e.g. fleet-upgrade/&lt;upgrade id&gt;/&lt;stage&gt;), or renews it if
   * it is ours already. A live lock of anyone else is left alone ({@link LockOutcome.Kind#HELD}: wait
   * and ask again); an expired one is replaced, as kured itself would.
   */
  public LockOutcome acquire(String holderId) {
    requireHolder(holderId);
    return withRetries("acquire", () -> {
      Snapshot s = read();
      Instant now = clock.instant();
      LockAnnotation current = s.annotation();
      List<LockEntry> others = current == null ? List.of() : current.liveOthers(holderId, now);
      if (!others.isEmpty()) {
        return LockOutcome.held(others.get(0).holder(now));
      }
      Optional<LockEntry> expired = current == null ? Optional.empty() : current.expiredOther(holderId, now);
      boolean ours = current != null && current.heldBy(holderId);
      write(s, claim(s, holderId, now, List.of()));
      if (expired.isPresent()) {
        log.warn("took over kured's lock on {}/{} from {} (created {}, TTL {}, expired) for {}", settings.namespace(),
            settings.daemonSet(), expired.get().nodeID(), expired.get().created(), expired.get().ttl(), holderId);
        return LockOutcome.takenOver(expired.get().holder(now));
      }
      if (ours) {
        return LockOutcome.alreadyOurs();
      }
      log.info("took kured's lock on {}/{} for {}", settings.namespace(), settings.daemonSet(), holderId);
      return LockOutcome.acquired();
    });
  }

  /**
   * Renews our lock (created = now), to be called well within the TTL while the rollout runs.
   *
   * @return false when the lock is no longer ours (it expired and someone took it): stop rebooting
   */
  public boolean refresh(String holderId) {
    requireHolder(holderId);
    return withRetries("refresh", () -> {
      Snapshot s = read();
      Instant now = clock.instant();
      LockAnnotation current = s.annotation();
      if (current == null || !current.heldBy(holderId)) {
        log.warn("kured's lock is no longer held by {}: {}", holderId,
            current == null ? "no lock" : current.current(now).map(LockEntry::nodeID).orElse("no holder"));
        return false;
      }
      // Still ours, so even if it had lapsed kured never took it (kured replaces an expired lock with
      // its own before rebooting): renewing it is safe.
      write(s, claim(s, holderId, now, current.liveOthers(holderId, now)));
      return true;
    });
  }

  /**
   * Gives the lock back at the end of a rollout (done, aborted or cancelled). Removes only our
   * entries: a lock held by anyone else is never touched.
   *
   * @return true if we held it and it is removed
   */
  public boolean release(String holderId) {
    requireHolder(holderId);
    return withRetries("release", () -> {
      Snapshot s = read();
      LockAnnotation current = s.annotation();
      if (current == null || !current.heldBy(holderId)) {
        return false;
      }
      List<LockEntry> rest = current.without(holderId);
      // kured reads a missing annotation as free in either form, so drop it when nothing else is left.
      write(s, current.multiOwner() && !rest.isEmpty() ? LockAnnotation.multi(current.maxOwners(), rest) : null);
      log.info("released kured's lock on {}/{} held by {}", settings.namespace(), settings.daemonSet(), holderId);
      return true;
    });
  }

  /** Who holds the lock now: the first live holder, else an expired one still written there; empty when free. */
  public Optional<LockHolder> holder() {
    Instant now = clock.instant();
    LockAnnotation current = read().annotation();
    return current == null ? Optional.empty() : current.current(now).map(e -> e.holder(now));
  }

  /**
   * Our lock in the form kured parses. kured's --concurrency decides the form (> 1: multi-owner, one
   * entry per slot so none is free); when the DaemonSet does not show it, the annotation's own form
   * does. A multi-owner value under a kured with concurrency 1 would read as nodeID "" with TTL 0,
   * a lock that never expires, which is why a known concurrency wins over what is written there.
   *
   * @param keep live entries of others that stay (only when renewing in the multi-owner form)
   */
  private LockAnnotation claim(Snapshot s, String holderId, Instant now, List<LockEntry> keep) {
    LockEntry mine = new LockEntry(holderId, false, now, settings.ttl());
    OptionalInt concurrency = s.flags().concurrency();
    LockAnnotation current = s.annotation();
    boolean multi = concurrency.isPresent() ? concurrency.getAsInt() > 1 : current != null && current.multiOwner();
    if (!multi) {
      return LockAnnotation.single(mine);
    }
    int slots = concurrency.isPresent() ? concurrency.getAsInt() : Math.max(1, current.maxOwners());
    List<LockEntry> locks = new ArrayList<>(keep);
    locks.addAll(Collections.nCopies(Math.max(1, slots - keep.size()), mine));
    return LockAnnotation.multi(slots, locks);
  }

  private Snapshot read() {
    DaemonSet ds = client.apps().daemonSets().inNamespace(settings.namespace()).withName(settings.daemonSet()).get();
    if (ds == null) {
      throw KuredFailures.notFound(settings);
    }
    KuredFlags flags = KuredFlags.of(ds);
    check(flags, "ds-namespace", "kube-system", "reboot.kured.namespace", settings.namespace());
    check(flags, "ds-name", "kured", "reboot.kured.daemonSet", settings.daemonSet());
    check(flags, "lock-annotation", "weave.works/kured-node-lock", "reboot.kured.annotation", settings.annotation());
    Map<String, String> annotations = ds.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(settings.annotation());
    if (value == null) {
      return new Snapshot(ds, null, flags);
    }
    try {
      return new Snapshot(ds, LockAnnotation.parse(value), flags);
    } catch (LockAnnotation.Malformed e) {
      throw KuredFailures.malformed(settings, value, e.getMessage());
    }
  }

  /** kured's effective flag (stated, or its built-in default when nothing sets it) must match our setting. */
  private void check(KuredFlags flags, String flag, String kuredDefault, String setting, String ours) {
    Optional<String> kured = flags.known(flag).or(() -> flags.defaulted(flag) ? Optional.of(kuredDefault) : Optional.empty());
    if (kured.isPresent() && !kured.get().equals(ours)) {
      throw KuredFailures.mismatch(settings, flag, kured.get(), setting, ours);
    }
  }

  /** Writes (or with null removes) the annotation, conditional on the resourceVersion we read. */
  private void write(Snapshot s, LockAnnotation value) {
    DaemonSet ds = s.daemonSet();
    Map<String, String> annotations = new LinkedHashMap<>(ds.getMetadata().getAnnotations() == null ? Map.of() : ds.getMetadata().getAnnotations());
    if (value == null) {
      annotations.remove(settings.annotation());
    } else {
      annotations.put(settings.annotation(), value.toJson());
    }
    ds.getMetadata().setAnnotations(annotations);
    try {
      // update() sends the object's resourceVersion (fabric8 only fetches the latest when it is null,
      // which a DaemonSet read from the API never is): a stale one is refused with 409.
      client.apps().daemonSets().inNamespace(settings.namespace()).resource(ds).update();
    } catch (KubernetesClientException e) {
      // 404: deleted since we read it; the next read says so.
      if (e.getCode() == 409 || e.getCode() == 404) {
        throw new Conflict(e);
      }
      throw e;
    }
  }

  private <T> T withRetries(String action, Supplier<T> attempt) {
    for (int i = 1; ; i++) {
      try {
        return attempt.get();
      } catch (Conflict e) {
        log.info("kured's DaemonSet changed while we meant to {} its lock (try {} of {}): reading it again", action, i, TRIES);
        if (i == TRIES) {
          throw KuredFailures.contended(settings, action, TRIES);
        }
      }
    }
  }

  private static void requireHolder(String holderId) {
    if (holderId == null || holderId.isBlank()) {
      throw new IllegalArgumentException("a kured lock holder id must not be empty");
    }
  }

  /** The DaemonSet as read, its lock (null when there is none) and kured's flags on it. */
  private record Snapshot(DaemonSet daemonSet, LockAnnotation annotation, KuredFlags flags) {}

  /** Someone wrote the DaemonSet between our read and our write. */
  private static final class Conflict extends RuntimeException {
    Conflict(Throwable cause) {
      super(cause);
    }
  }
}
