package org.evomoe.diagnostics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one export contract of every diagnostic result.
 *
 * <p>JSON: the result record itself, serialised by Jackson (record components become fields;
 * nested records become objects, arrays become lists, a {@code Modality} (value or map key) is
 * its upper-case label, e.g. IMAGE). CSV: one or more named long-format tables; the first one is
 * the report's main table, the one {@link #toCsv()} returns. Each report documents its tables'
 * columns.
 */
public interface DiagnosticReport {
  /** The report's tables by name, in a stable order; the first is the main table. */
  Map<String, CsvTable> tables();

  /** The main table as CSV. */
  default String toCsv() {
    return tables().values().iterator().next().toCsv();
  }

  /**
   * The named table as CSV.
   *
   * @throws IllegalArgumentException naming the available tables when {@code table} is unknown
   */
  default String toCsv(String table) {
    CsvTable t = tables().get(table);
    if (t == null) {
      throw new IllegalArgumentException(
          "no table '" + table + "' in " + getClass().getSimpleName() + "; tables: "
              + tables().keySet());
    }
    return t.toCsv();
  }

  /** The whole result as indented JSON. */
  default String toJson() {
    return ReportJson.write(this);
  }

  /**
   * Writes {@code baseName.json}, the main table as {@code baseName.csv}, and every other table
   * as {@code baseName-<table>.csv} into {@code dir} (created if missing), UTF-8.
   */
  default void writeTo(Path dir, String baseName) throws IOException {
    if (baseName == null || baseName.isEmpty()) {
      throw new IllegalArgumentException("base file name must be non-empty");
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(baseName + ".json"), toJson(), StandardCharsets.UTF_8);
    boolean first = true;
    for (Map.Entry<String, CsvTable> e : tables().entrySet()) {
      String file = first ? baseName + ".csv" : baseName + "-" + e.getKey() + ".csv";
      Files.writeString(dir.resolve(file), e.getValue().toCsv(), StandardCharsets.UTF_8);
      first = false;
    }
  }
}
