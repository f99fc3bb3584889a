package org.evomoe.examples.report;

/**
 * The name of an entry of results.json's {@code arms}, read alone to name the arm in an error
 * about the rest of the entry.
 *
 * @param arm the arm name, or null when the entry has none
 */
record ArmName(String arm) {}
