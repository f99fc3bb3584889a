package org.evomoe.diagnostics;

import java.util.ArrayList;
import java.util.List;
import org.evomoe.router.Modality;

/**
 * One table of a {@link DiagnosticReport}: column names and rows of plain values, written as CSV.
 *
 * <p>CSV format: a header line, then one line per row, comma-separated, {@code \n} line ends.
 * Numbers are written with {@link Double#toString}/{@link Long#toString} (exact round trip;
 * {@code NaN} where a value is undefined), enums by name, modalities by their upper-case label
 * ({@code IMAGE}), booleans as {@code true}/{@code false};
 * a string containing a comma, quote or line break is quoted with doubled quotes (RFC 4180).
 *
 * @param columns column names, non-empty, unique
 * @param rows each row holds {@code columns.size()} non-null values of type Number, String,
 *     Boolean, an enum or a {@link Modality}
 */
public record CsvTable(List<String> columns, List<List<Object>> rows) {
  public CsvTable {
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("a table needs at least one column");
    }
    if (columns.stream().distinct().count() != columns.size()) {
      throw new IllegalArgumentException("column names must be unique, got " + columns);
    }
    columns = List.copyOf(columns);
    List<List<Object>> copy = new ArrayList<>(rows.size());
    for (int r = 0; r < rows.size(); r++) {
      List<Object> row = rows.get(r);
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException(
            "row " + r + " has " + row.size() + " values, the table has " + columns.size()
                + " columns " + columns);
      }
      for (int c = 0; c < row.size(); c++) {
        Object v = row.get(c);
        if (!(v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof Enum
            || v instanceof Modality)) {
          throw new IllegalArgumentException(
              "row " + r + " column " + columns.get(c) + ": unsupported value " + v);
        }
      }
      copy.add(List.copyOf(row));
    }
    rows = List.copyOf(copy);
  }

  /** Header line and one line per row, each ending in {@code \n}. */
  public String toCsv() {
    StringBuilder sb = new StringBuilder();
    appendLine(sb, new ArrayList<>(columns));
    for (List<Object> row : rows) {
      appendLine(sb, row);
    }
    return sb.toString();
  }

  private static void appendLine(StringBuilder sb, List<?> values) {
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(cell(values.get(i)));
    }
    sb.append('\n');
  }

  private static String cell(Object v) {
    if (v instanceof Double d) {
      return Double.toString(d);
    }
    if (v instanceof Float f) {
      return Double.toString(f.doubleValue());
    }
    if (v instanceof Enum<?> e) {
      return e.name();
    }
    if (v instanceof Modality m) {
      return m.label();
    }
    String s = v.toString();
    if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
      return '"' + s.replace("\"", "\"\"") + '"';
    }
    return s;
  }
}
