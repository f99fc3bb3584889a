package org.evomoe.examples.report;

import java.util.Locale;
import java.util.StringJoiner;

/** HTML escaping and the number format of the report. */
final class Html {
  private Html() {}

  /** Escapes {@code & < > " '} so any string can go into element text or a quoted attribute. */
  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /** {@code v} with {@code decimals} digits after the point ({@code "NaN"}, {@code "Infinity"} as such). */
  static String number(double v, int decimals) {
    if (!Double.isFinite(v)) {
      return Double.toString(v);
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** {@code [a, b, ...]} with each value formatted by {@link #number}. */
  static String numbers(double[] v, int decimals) {
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (double x : v) {
      j.add(number(x, decimals));
    }
    return j.toString();
  }
}
