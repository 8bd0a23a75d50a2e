package org.fleetupgrade.reboot.kured;

import java.time.Duration;
import java.time.Instant;

/**
 * Who holds kured's lock, as the lock says.
 *
 * @param nodeID a node name when kured itself is rebooting that node, else whatever another
 *     holder wrote (ours look like fleet-upgrade/&lt;upgrade&gt;/&lt;stage&gt;)
 * @param created when the holder last wrote it
 * @param ttl how long after {@code created} it expires; zero means never (kured's rule)
 * @param expired whether kured would consider it free now
 */
public record LockHolder(String nodeID, Instant created, Duration ttl, boolean expired) {}
