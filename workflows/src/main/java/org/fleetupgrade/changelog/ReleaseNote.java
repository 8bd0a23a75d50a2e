package org.fleetupgrade.changelog;

/** One extracted changelog item (with its nested lines), and the release it is from. */
public record ReleaseNote(String release, String text) {}
