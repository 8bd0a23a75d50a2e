package org.fleetupgrade.controlplane.script;

import static org.fleetupgrade.controlplane.script.ShellValues.quote;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.fleetupgrade.version.TargetVersions;

/**
 * The script that does only the member script's admin.conf step, for a member a new run found done
 * (it is not upgraded again): once it holds the host's lock, if this host ran {@code kubeadm upgrade
 * apply} for the target (its mark, {@code /var/lib/fleet-upgrade/applied}, says so) admin.conf goes
 * to the bucket unless the bucket holds it already ({@code ==> admin-conf copied|unchanged}); on any
 * other host it changes nothing. It reports which ({@code ==> result} {@value #APPLIED_HERE} or
 * {@value #NOT_APPLIED_HERE}). The admin.conf functions, the markers and the lock are the member
 * script's own ({@link ScriptBlocks}), as are the settings ({@link AdminConfCopy}).
 */
public final class AdminConfScript {

  /** The result of a host that applied the target: its admin.conf step ran. */
  public static final String APPLIED_HERE = "applied-here";
  /** The result of a host that did not apply the target: nothing was done. */
  public static final String NOT_APPLIED_HERE = "not-applied-here";

  private AdminConfScript() {}

  public static String render(TargetVersions target, String member, AdminConfCopy adminConf) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(adminConf, "adminConf");
    ShellValues.dnsLabel("member name", member);
    Map<String, String> values = new LinkedHashMap<>();
    values.put("K8S_VERSION", target.kubernetes().toString());
    values.put("MEMBER", member);
    values.put("ADMIN_CONF_DESTINATION", adminConf.destination());
    values.put("LOCK_FILE", ScriptBlocks.LOCK_FILE);

    StringBuilder script = new StringBuilder("#!/bin/bash\n");
    script.append("# fleet-upgrade: admin.conf of control-plane member ").append(member).append(" at ")
        .append(target.kubernetes()).append(", if it ran apply\n");
    script.append("set -euo pipefail\n\n");
    values.forEach((name, value) -> script.append(name).append('=').append(quote(value)).append('\n'));
    script.append("ADMIN_CONF_HEADERS=(").append(adminConf.gsutilHeaders()).append(")\n");
    return script.append(ScriptBlocks.PREAMBLE).append(ScriptBlocks.ADMIN_CONF).append('\n').append(BODY).toString();
  }

  private static final String BODY = """
      step check-applied
      if applied_here; then
        result applied-here
        copy_admin_conf
      else
        result not-applied-here
        echo "${MEMBER} did not run kubeadm upgrade apply ${K8S_VERSION}: its admin.conf is not the one to keep; nothing done"
      fi
      step done
      """;
}
