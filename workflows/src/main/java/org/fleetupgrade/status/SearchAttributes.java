package org.fleetupgrade.status;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/** The keyword search attributes by which an upgrade is found in the Temporal web UI. */
public final class SearchAttributes {

  public static final SearchAttributeKey<String> VERSION = SearchAttributeKey.forKeyword("FleetUpgradeVersion");
  public static final SearchAttributeKey<String> STAGE = SearchAttributeKey.forKeyword("FleetUpgradeStage");
  public static final SearchAttributeKey<String> STATE = SearchAttributeKey.forKeyword("FleetUpgradeState");

  public static final List<SearchAttributeKey<String>> ALL = List.of(VERSION, STAGE, STATE);

  private SearchAttributes() {}
}
