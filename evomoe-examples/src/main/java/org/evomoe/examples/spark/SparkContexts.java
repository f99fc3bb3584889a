package org.evomoe.examples.spark;

import org.apache.spark.SparkConf;

/** The Spark configuration of a training run. */
public final class SparkContexts {
  private SparkContexts() {}

  /**
   * A configuration for {@code master}: no web UI or console progress bar; a local master binds
   * to the loopback address (nothing listens on the network).
   */
  public static SparkConf conf(String master, String appName) {
    SparkConf c = new SparkConf().setMaster(master).setAppName(appName)
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false");
    if (master.startsWith("local")) {
      c.set("spark.driver.bindAddress", "127.0.0.1").set("spark.driver.host", "127.0.0.1");
    }
    return c;
  }
}
