package org.evomoe.examples.report;

import java.awt.BasicStroke;
import java.awt.Color;

/**
 * One entry of the shared legend drawn above a chart grid: a line sample and its label.
 *
 * @param label the text
 * @param color the line colour
 * @param stroke the line style
 */
record LegendEntry(String label, Color color, BasicStroke stroke) {
  LegendEntry {
    if (label == null || color == null || stroke == null) {
      throw new IllegalArgumentException("legend entry needs a label, colour and stroke");
    }
  }
}
