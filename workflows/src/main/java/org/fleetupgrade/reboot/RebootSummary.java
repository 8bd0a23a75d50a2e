package org.fleetupgrade.reboot;

public record RebootSummary(int rebooted, int alreadyAtTarget, int waves) {}
