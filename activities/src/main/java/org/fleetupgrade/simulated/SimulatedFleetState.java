package org.fleetupgrade.simulated;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The simulated fleet as it is written to {@code simulation.stateFile}: everything its activities
 * read and write (members' versions and cordons, nodes' versions, boot ids, reboots in progress and
 * cordons, virtual nodes' tooling, builds, hosts' images, the images repository, kured's locks, how
 * often each fault fired, the counters of side effects) and a journal of the side effects, so that a
 * worker killed with SIGKILL and started again sees the same fleet. Written whole after every change,
 * to a temporary file renamed over the old one: a reader (or the next worker) sees the state before a
 * change or after it, never half of it.
 */
public record SimulatedFleetState(int format, List<ClusterState> clusters, ImagesState images,
    Map<String, String> kuredLocks, List<Integer> faultsFired, List<JournalEntry> journal) {

  static final int FORMAT = 1;

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * One side effect on the simulated fleet, in the order they happened: {@code apply} (kubeadm
   * upgrade apply on a member), {@code admin-conf} (its admin.conf copied to the bucket),
   * {@code upgrade-node} (kubeadm upgrade node), {@code drain} (a member
   * cordoned and drained), {@code tooling} (a virtual node's tooling), {@code build} (a Cloud Build
   * started for a ref), {@code reboot} (a platform node actually sent into a reboot: a trigger
   * that found the node already rebooting or rebooted is not one), with the stage, the member or
   * node, and a detail (the version, the boot it left).
   *
   * @param at wall-clock milliseconds
   */
  public record JournalEntry(long at, String action, String stage, String target, String detail) {}

  public record ClusterState(String name, String kubeadmConfig, String bootImage, List<MemberState> members,
      List<NodeState> platform, List<VirtualState> virtual, Map<String, String> builds, Map<String, String> hostImages,
      int reboots, int drains, int applies, int maxDown, int maxDownPerSite, long firstReboot, long lastBack,
      List<String> rebootOrder, String adminConfInBucket, int adminConfCopies) {}

  /** @param applied the version the member ran kubeadm upgrade apply for (its host's mark), or null */
  public record MemberState(String name, String kubelet, String staticPods, boolean cordoned, String applied) {}

  public record NodeState(String name, String kubelet, boolean ready, int boot, long backAt, String comesBackWith,
      boolean lost, String cordonedBy, boolean cordoned, long cordonedAt, int cordonedOnBoot,
      Integer lastRebootSeconds) {}

  public record VirtualState(String name, String kubelet) {}

  public record ImagesState(Map<String, Map<String, String>> commits, Map<String, String> refs, int releasePatch) {}

  /** Reads a state file: for tests, which assert on its journal and counters. */
  public static SimulatedFleetState read(Path file) {
    try {
      return JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), SimulatedFleetState.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the simulated fleet's state from " + file + ": " + e.getMessage(), e);
    }
  }

  /** The journal's entries of {@code action} in {@code stage}. */
  public List<JournalEntry> journal(String action, String stage) {
    return journal.stream().filter(e -> e.action().equals(action) && e.stage().equals(stage)).toList();
  }

  String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code json} to {@code file} atomically: a temporary file beside it, renamed over it. */
  static void write(Path file, String json) {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(temporary, json, StandardCharsets.UTF_8);
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the simulated fleet's state to " + file + ": " + e.getMessage(), e);
    }
  }
}
