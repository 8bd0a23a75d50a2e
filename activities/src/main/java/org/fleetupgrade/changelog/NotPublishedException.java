package org.fleetupgrade.changelog;

import java.io.IOException;
import java.net.URI;

/** A 404: the file does not exist (yet), which retrying does not change. */
public class NotPublishedException extends IOException {
  private static final long serialVersionUID = 1L;

  public NotPublishedException(URI uri) {
    super(uri + ": 404 Not Found");
  }
}
