package org.fleetupgrade.reboot.kured;

import io.temporal.failure.ApplicationFailure;

/** The failures of {@link KuredLock}, each naming what to look at or which setting to fix. */
final class KuredFailures {

  private static final int QUOTE = 200;

  private KuredFailures() {}

  static ApplicationFailure notFound(KuredLockSettings s) {
    return ApplicationFailure.newNonRetryableFailure("kured's DaemonSet " + s.namespace() + "/" + s.daemonSet()
        + " does not exist: set reboot.kured.namespace and reboot.kured.daemonSet to where kured runs"
        + " (kubectl get ds -A | grep kured)", KuredLock.NOT_FOUND);
  }

  static ApplicationFailure malformed(KuredLockSettings s, String value, String reason) {
    String quoted = value.length() <= QUOTE ? value : value.substring(0, QUOTE) + "...(" + value.length() + " chars)";
    return ApplicationFailure.newNonRetryableFailure("the annotation " + s.annotation() + " on " + s.namespace() + "/"
        + s.daemonSet() + " is not a kured lock (" + reason + "): '" + quoted + "'; once no node is rebooting, remove it"
        + " (kubectl -n " + s.namespace() + " annotate ds " + s.daemonSet() + " " + s.annotation() + "-) and retry",
        KuredLock.MALFORMED);
  }

  static ApplicationFailure mismatch(KuredLockSettings s, String flag, String kuredValue, String setting, String ours) {
    return ApplicationFailure.newNonRetryableFailure("kured in " + s.namespace() + "/" + s.daemonSet() + " runs with --"
        + flag + "=" + kuredValue + " but " + setting + " is " + ours + ": kured would not see our lock; fix " + setting,
        KuredLock.MISMATCH);
  }

  static ApplicationFailure contended(KuredLockSettings s, String action, int tries) {
    return ApplicationFailure.newFailure("could not " + action + " kured's lock on " + s.namespace() + "/" + s.daemonSet()
        + ": the DaemonSet changed under each of " + tries + " writes", KuredLock.CONTENDED);
  }
}
