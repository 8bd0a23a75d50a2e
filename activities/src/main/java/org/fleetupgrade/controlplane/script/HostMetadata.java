package org.fleetupgrade.controlplane.script;

import java.util.regex.Pattern;

/**
 * Where a control-plane VM's instance metadata holds the API load balancer's name: an attribute
 * holding JSON, and the jq path to the name in it. M-Lab's terraform writes {@code cluster_data}
 * with {@code .cluster_attributes.api_load_balancer} (there is no {@code lb_dns} attribute); other
 * fleets may differ, so both are config with these defaults.
 */
public record HostMetadata(String attribute, String loadBalancerPath) {

  // Before MLAB: static fields initialize in order, and MLAB's constructor uses them.
  private static final Pattern ATTRIBUTE = Pattern.compile("[A-Za-z0-9_-]{1,63}");
  private static final Pattern JQ_PATH = Pattern.compile("(\\.[A-Za-z_][A-Za-z0-9_]{0,63}){1,8}");

  public static final HostMetadata MLAB = new HostMetadata("cluster_data", ".cluster_attributes.api_load_balancer");

  public HostMetadata {
    if (attribute == null || !ATTRIBUTE.matcher(attribute).matches()) {
      throw new IllegalArgumentException("metadata attribute '" + attribute + "' is not a metadata key"
          + " (letters, digits, '_' and '-')");
    }
    if (loadBalancerPath == null || !JQ_PATH.matcher(loadBalancerPath).matches()) {
      throw new IllegalArgumentException("load balancer path '" + loadBalancerPath + "' is not a plain jq path"
          + " such as .cluster_attributes.api_load_balancer");
    }
  }
}
