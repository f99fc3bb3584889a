package org.evomoe.examples.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.tensor.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a paired multi-seed comparison ({@code demo}, {@code train} and {@code study} all run
 * through here): for every seed, alignment and Stage I once, then every arm from those Stage I
 * weights on the same batches (see {@link ArmRecipe}); each (seed, arm) cell is a unit of work.
 *
 * <pre>
 * out/cells/
 *   plan.json                        the plan (settings and arms) the cells belong to
 *   seed-&lt;s&gt;/stage1/result.json       Stage I scores and curves    (written last, atomically)
 *   seed-&lt;s&gt;/stage1/weights.safetensors  the Stage I weights every arm of seed s starts from
 *   seed-&lt;s&gt;/&lt;arm&gt;/result.json        a finished cell ({@link CellResult})
 *   seed-&lt;s&gt;/&lt;cell&gt;/checkpoints/      training checkpoints of an unfinished cell
 * </pre>
 *
 * <p>With {@link RunOptions#resume} finished cells are read back and unfinished ones continue from
 * their newest checkpoint, so a killed run ends with the numbers of an uninterrupted one; without
 * it {@code out/cells} is cleared first. A resumed run may ask for more seeds than it was started
 * with (every other setting equal): the cells of the first seeds are kept and only the new seeds
 * are trained. {@link RunOptions#jobs} cells run at once; every cell's
 * arithmetic is the same whatever runs beside it, so the results do not depend on the job count.
 *
 * <p>With {@link RunOptions#cells} the unfinished cells train elsewhere (Spark executors), each as
 * a {@link CellTask} running the same {@link CellTraining} code; this runner writes every result,
 * the Stage I weights and the first seed's models as they arrive, so the folder, its resume and
 * the results are the same as in one JVM (a cell trained elsewhere keeps no checkpoints: an
 * unfinished one starts again).
 */
public final class StudyRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StudyRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The folder of the cells under the output folder. */
  public static final String CELLS = "cells";

  private final StudyPlan plan;
  private final Path out;
  private final RunOptions options;
  private final StepListener extra;
  private final ModelSaver saver;
  private final PrintStream progressOut;
  private final Map<Long, DemoPipeline> pipelines = new ConcurrentHashMap<>();
  private final AtomicBoolean failed = new AtomicBoolean();
  private StudyProgress progress;

  /**
   * @param plan settings and arms
   * @param out the output folder (its {@code cells} subfolder is this runner's)
   * @param options jobs, checkpoint interval, resume
   * @param listener told after every step (may throw to stop the run)
   * @param saver saves the first seed's trained models
   * @param progressOut where the progress line goes (standard error on the command line)
   */
  public StudyRunner(StudyPlan plan, Path out, RunOptions options, StepListener listener,
      ModelSaver saver, PrintStream progressOut) {
    this.plan = plan;
    this.out = out;
    this.options = options;
    this.extra = listener == null ? StepListener.none() : listener;
    this.saver = saver == null ? ModelSaver.none() : saver;
    this.progressOut = progressOut;
  }

  /** Trains (or resumes) every cell and returns the results; {@code command} is recorded. */
  public StudyResults run(String command) throws IOException {
    long t0 = System.nanoTime();
    DemoSettings s = plan.settings();
    Path cells = out.resolve(CELLS);
    preparePlan(cells);
    List<Long> seeds = s.seedList();
    int budget = ArmRecipe.budget(s);
    long total = (long) seeds.size() * (s.alignSteps() + s.stage1Steps() + (long) plan.arms().size() * budget);
    progress = new StudyProgress(total, seeds.size() * (1 + plan.arms().size()), progressOut);
    // Cells trained elsewhere: one waiting thread per cell (the executors decide how many train).
    int threads = options.cells() == null ? options.jobs()
        : Math.min(256, seeds.size() * (1 + plan.arms().size()));
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "study-cell");
      t.setDaemon(true);
      return t;
    });
    Map<Long, CompletableFuture<Stage1Result>> stage1 = new LinkedHashMap<>();
    Map<String, CompletableFuture<CellResult>> armCells = new LinkedHashMap<>();
    try {
      for (long seed : seeds) {
        stage1.put(seed, CompletableFuture.supplyAsync(() -> stage1Cell(seed), pool));
      }
      for (long seed : seeds) {
        for (Arm arm : plan.arms()) {
          armCells.put(key(seed, arm), stage1.get(seed).thenApplyAsync(r -> armCell(seed, arm), pool));
        }
      }
      List<CompletableFuture<?>> all = new ArrayList<>(stage1.values());
      all.addAll(armCells.values());
      Throwable error = null;
      for (CompletableFuture<?> f : all) {
        try {
          f.get();
        } catch (ExecutionException | CompletionException e) {
          failed.set(true);
          Throwable c = unwrap(e);
          if (error == null || error instanceof CancellationException) {
            error = c;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failed.set(true);
          throw new IOException("interrupted while waiting for the cells", e);
        }
      }
      if (error != null) {
        rethrow(error);
      }
    } finally {
      pool.shutdown();
      try {
        pool.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    progress.finish();
    List<SeedResult> perSeed = new ArrayList<>();
    for (long seed : seeds) {
      List<CellResult> l = new ArrayList<>();
      for (Arm arm : plan.arms()) {
        l.add(armCells.get(key(seed, arm)).join());
      }
      perSeed.add(new SeedResult(seed, stage1.get(seed).join().scores(), l));
    }
    List<Stage1Result> s1 = stage1.values().stream().map(CompletableFuture::join).toList();
    return StudySummaries.build(plan, command, dataInfo(seeds.get(0)), s1, perSeed,
        (System.nanoTime() - t0) / 1e9);
  }

  private void preparePlan(Path cells) throws IOException {
    Path planFile = cells.resolve("plan.json");
    StudyPlan saved = plan.withoutOut();
    if (!options.resume()) {
      ResumableStages.deleteRecursively(cells);
    } else if (Files.isRegularFile(planFile)) {
      StudyPlan before;
      try {
        before = JSON.readValue(planFile.toFile(), StudyPlan.class);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot resume: " + planFile + " is unreadable ("
            + e.getMessage() + ")");
      }
      if (extendsSeeds(before, saved)) {
        LOG.info("extending the run in {} from {} to {} seeds: the finished cells of the first {}"
            + " are kept", out, before.settings().seeds(), saved.settings().seeds(),
            before.settings().seeds());
      } else if (!before.equals(saved)) {
        throw new IllegalArgumentException("cannot resume the run in " + out + ": it was started"
            + " with other settings or arms (" + difference(before, saved) + "); use another --out"
            + " or the same settings (only --seeds may grow)");
      }
    }
    Files.createDirectories(cells);
    removeStaleTemporaries(cells);
    AtomicFiles.write(planFile, o -> JSON.writerWithDefaultPrettyPrinter().writeValue(o, saved));
  }

  /**
   * True when {@code now} is {@code before} with more seeds. A cell's numbers depend on its own
   * seed and the settings only, never on how many seeds the run has, so the finished cells of the
   * first seeds stay valid and the extended run ends with the numbers of a run started with the
   * larger count.
   */
  static boolean extendsSeeds(StudyPlan before, StudyPlan now) {
    return now.settings().seeds() > before.settings().seeds()
        && before.kind().equals(now.kind()) && before.arms().equals(now.arms())
        && before.settings().withSeeds(now.settings().seeds()).equals(now.settings());
  }

  /** Temporary files of atomic writes a kill interrupted ({@code .<name>.<random>.tmp}). */
  private static void removeStaleTemporaries(Path cells) throws IOException {
    try (java.util.stream.Stream<Path> s = Files.walk(cells)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(".") && n.endsWith(".tmp")) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static String difference(StudyPlan a, StudyPlan b) {
    if (!a.arms().equals(b.arms())) {
      return "arms " + a.arms() + " vs " + b.arms();
    }
    if (!a.kind().equals(b.kind())) {
      return "command " + a.kind() + " vs " + b.kind();
    }
    Map<?, ?> x = JSON.convertValue(a.settings(), Map.class);
    Map<?, ?> y = JSON.convertValue(b.settings(), Map.class);
    for (Object k : x.keySet()) {
      if (!java.util.Objects.equals(x.get(k), y.get(k))) {
        return "setting " + k + ": " + x.get(k) + " vs " + y.get(k);
      }
    }
    return "settings differ";
  }

  private DemoPipeline pipeline(long seed) {
    return pipelines.computeIfAbsent(seed, k -> {
      try {
        return new DemoPipeline(plan.settings().withSeed(k));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private DataInfo dataInfo(long seed) {
    DemoPipeline p = pipeline(seed);
    DemoSettings s = plan.settings();
    return new DataInfo(s.dataDir() == null ? "embedded subset" : s.dataDir().toString(),
        p.trainPool().size(), p.data().test().size(), p.evalSamples().size(),
        p.tokenizer().vocabularySize(), p.batcher().seqLen());
  }

  private Path cellDir(long seed, String cell) {
    return out.resolve(CELLS).resolve("seed-" + seed).resolve(cell);
  }

  private StepListener listener() {
    return new StepListener() {
      @Override
      public void onStep(String cell, String stage, int step, double loss) {
        if (failed.get()) {
          throw new CancellationException("another cell failed");
        }
        extra.onStep(cell, stage, step, loss);
        progress.onStep(cell, stage, step, loss);
      }

      @Override
      public void afterStep(String cell, String stage, VisionLanguageModel model) {
        extra.afterStep(cell, stage, model);
      }

      @Override
      public void restored(String cell, String stage, int steps) {
        extra.restored(cell, stage, steps);
        progress.restored(steps);
      }
    };
  }

  private Stage1Result stage1Cell(long seed) {
    try {
      DemoSettings s = plan.settings();
      Path dir = cellDir(seed, "stage1");
      Path result = dir.resolve("result.json");
      if (Files.isRegularFile(result)) {
        progress.alreadyDone(s.alignSteps() + s.stage1Steps());
        ResumableStages.deleteRecursively(dir.resolve("checkpoints")); // a kill inside finish()
        return JSON.readValue(result.toFile(), Stage1Result.class);
      }
      Path weights = dir.resolve("weights.safetensors");
      Stage1Result r;
      if (options.cells() == null) {
        r = CellTraining.stage1(s, pipeline(seed), seed, dir.resolve("checkpoints"), weights,
            options.checkpointEvery(), listener(), options.steps(), saver);
      } else {
        CellOutput o = remote(CellTask.of(s, seed, null, Threads.count(), null));
        r = o.stage1();
        Files.createDirectories(dir);
        AtomicFiles.writeBytes(weights, o.stage1Weights());
        saveRemote(seed, o);
        progress.trainedElsewhere(s.alignSteps() + s.stage1Steps());
      }
      finish(dir, result, r);
      LOG.info("seed {} stage1: average accuracy {}", seed, fmt(r.scores().average()));
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private CellResult armCell(long seed, Arm arm) {
    try {
      DemoSettings s = plan.settings();
      Path dir = cellDir(seed, arm.armName());
      Path result = dir.resolve("result.json");
      if (Files.isRegularFile(result)) {
        progress.alreadyDone(ArmRecipe.budget(s));
        ResumableStages.deleteRecursively(dir.resolve("checkpoints")); // a kill inside finish()
        return JSON.readValue(result.toFile(), CellResult.class);
      }
      Path stage1Weights = cellDir(seed, "stage1").resolve("weights.safetensors");
      CellResult r;
      if (options.cells() == null) {
        r = CellTraining.arm(s, pipeline(seed), seed, arm, stage1Weights,
            dir.resolve("checkpoints"), options.checkpointEvery(), listener(), options.steps(),
            saver);
      } else {
        CellOutput o = remote(CellTask.of(s, seed, arm, Threads.count(),
            Files.readAllBytes(stage1Weights)));
        r = o.cell();
        Files.createDirectories(dir);
        saveRemote(seed, o);
        progress.trainedElsewhere(ArmRecipe.budget(s));
      }
      finish(dir, result, r);
      LOG.info("seed {} {}: average accuracy {}", seed, arm.armName(), fmt(r.scores().average()));
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Trains {@code task} with {@link RunOptions#cells}, unless another cell has failed. */
  private CellOutput remote(CellTask task) throws IOException {
    if (failed.get()) {
      throw new CancellationException("another cell failed");
    }
    try {
      return options.cells().run(task);
    } catch (Exception e) {
      if (failed.getAndSet(true)) {
        // Cancelled because another cell failed first: that cell's error is the run's.
        throw new CancellationException("another cell failed");
      }
      options.cells().cancelAll();
      if (e instanceof IOException io) {
        throw io;
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("cell " + task.name() + " failed: " + e.getMessage(), e);
    }
  }

  /** Hands a model trained elsewhere to the saver, as the training JVM would have. */
  private void saveRemote(long seed, CellOutput o) throws IOException {
    if (o.model() == null) {
      return;
    }
    Path tmp = Files.createTempDirectory("evomoe-model-");
    try {
      o.model().saveWith(saver, pipeline(seed), tmp);
    } finally {
      ResumableStages.deleteRecursively(tmp);
    }
  }

  /** Writes the cell's result (the mark of a finished cell) and drops its checkpoints. */
  private void finish(Path dir, Path result, Object r) throws IOException {
    AtomicFiles.write(result, o -> JSON.writerWithDefaultPrettyPrinter().writeValue(o, r));
    ResumableStages.deleteRecursively(dir.resolve("checkpoints"));
    progress.cellDone();
  }

  private static String key(long seed, Arm arm) {
    return seed + "/" + arm.armName();
  }

  private static Throwable unwrap(Throwable e) {
    Throwable c = e;
    while ((c instanceof ExecutionException || c instanceof CompletionException
        || c instanceof UncheckedIOException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private static void rethrow(Throwable t) throws IOException {
    if (t instanceof IOException io) {
      throw io;
    }
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error err) {
      throw err;
    }
    throw new IllegalStateException(t);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
