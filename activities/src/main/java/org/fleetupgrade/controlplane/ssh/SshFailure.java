package org.fleetupgrade.controlplane.ssh;

/**
 * Why a script could not run to its end on a host. {@link Kind#retryable()} says whether trying again
 * can help: a refused, reset or timed-out connection can; a host key or a login that is refused cannot.
 */
public class SshFailure extends Exception {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    CONNECTION(true),
    TIMEOUT(true),
    HOST_KEY(false),
    AUTHENTICATION(false);

    private final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }

    public boolean retryable() {
      return retryable;
    }
  }

  private final Kind kind;

  public SshFailure(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
