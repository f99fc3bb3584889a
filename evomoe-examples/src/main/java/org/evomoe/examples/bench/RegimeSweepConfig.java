package org.evomoe.examples.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.evomoe.examples.pipeline.TaskMix;
import org.evomoe.examples.study.Arm;

/**
 * The file of {@code evomoe bench regime --config} ({@link RegimeSweep}), echoed as the {@code
 * config} of its output ({@link RegimeSweepResult}).
 *
 * @param quick start from the quick (true) or the full (false) demo settings
 * @param settings demo settings fields overriding those defaults (null: none), as in {@code train
 *     --config}
 * @param stage2 the variants after Stage I (null: none)
 * @param router the router-training variants after Stage I (null: none)
 */
public record RegimeSweepConfig(boolean quick, ObjectNode settings, List<Stage2Variant> stage2,
    List<RouterVariant> router) {
  public RegimeSweepConfig {
    settings = settings == null ? JsonNodeFactory.instance.objectNode() : settings;
    stage2 = stage2 == null ? List.of() : List.copyOf(stage2);
    router = router == null ? List.of() : List.copyOf(router);
  }

  /**
   * One variant after Stage I, from the Stage I weights: {@code stage} {@code evolution} (Stage II:
   * the seed trains, the experts evolve; the default) or {@code dense-continued} (every parameter
   * of the dense model trains: the study's dense control), at peak {@code lr} for {@code steps} on
   * the batches of the task mix {@code tasks} (null: the settings' {@code armTasks}).
   *
   * @param lr peak learning rate, finite and > 0
   * @param steps optimiser steps, >= 1
   * @param tasks the task mix it trains and is validated on; null: the settings' armTasks
   * @param stage {@link #EVOLUTION} (null reads as it) or {@link #DENSE}
   */
  public record Stage2Variant(double lr, int steps, TaskMix tasks, String stage) {
    public Stage2Variant {
      if (!(lr > 0) || Double.isInfinite(lr) || steps < 1) {
        throw new IllegalArgumentException("stage2 variant needs a finite lr > 0 and steps >= 1, got lr "
            + lr + ", steps " + steps);
      }
      stage = stage == null ? EVOLUTION : stage;
      if (!stage.equals(EVOLUTION) && !stage.equals(DENSE)) {
        throw new IllegalArgumentException("stage2 variant stage must be '" + EVOLUTION + "' or '"
            + DENSE + "', got '" + stage + "'");
      }
    }

    /** Stage II: the seed trains, the experts evolve. */
    public static final String EVOLUTION = "evolution";
    /** Every parameter of the dense model trains. */
    public static final String DENSE = "dense-continued";
  }

  /**
   * One router-training variant after Stage I: {@code arm} is {@code evomoe} (Stage II evolution
   * at the settings' learning rate, once for all such variants, then Stage III, router only, at
   * {@code lr}) or {@code upcycled-dtr} (copies of the seed, experts and DTR train together at
   * {@code lr}); {@code zLoss} replaces the z-loss weight of the arm's routing (null: the arm's
   * default); {@code steps} 0 means the settings' steps.
   *
   * @param arm {@code evomoe} or {@code upcycled-dtr}
   * @param lr peak learning rate of the router-training stage, > 0
   * @param zLoss router z-loss weight, >= 0; null: the arm's default
   * @param steps optimiser steps, >= 0; 0: the settings' stage3Steps (evomoe) or stage2Steps +
   *     stage3Steps (upcycled-dtr)
   */
  public record RouterVariant(String arm, double lr, Double zLoss, int steps) {
    public RouterVariant {
      Arm a = Arm.of(arm);
      if (a != Arm.EVOMOE && a != Arm.UPCYCLED_DTR) {
        throw new IllegalArgumentException("router variants support evomoe and upcycled-dtr, got " + arm);
      }
      if (!(lr > 0) || steps < 0 || (zLoss != null && !(zLoss >= 0))) {
        throw new IllegalArgumentException("router variant needs lr > 0, steps >= 0, zLoss >= 0");
      }
    }
  }
}
