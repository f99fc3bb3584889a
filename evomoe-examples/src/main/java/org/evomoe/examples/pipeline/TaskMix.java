package org.evomoe.examples.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.data.instruct.InstructionTask;

/**
 * The tasks a stage trains on: its batches are drawn uniformly from the training samples of these
 * tasks (so the tasks keep their proportions in the training split), and its validation loss is
 * measured on the validation samples of these tasks. In JSON a list of task names ({@code
 * ["caption", "position", "text-plural"]}); {@link #all()} (every task) is the pipeline's default,
 * under which a stage draws from the whole training split exactly as without a mix.
 *
 * @param tasks the tasks, in {@link InstructionTask} order, at least one, no duplicates
 */
public record TaskMix(List<InstructionTask> tasks) {
  public TaskMix {
    if (tasks == null || tasks.isEmpty()) {
      throw new IllegalArgumentException("a task mix needs at least one task (known: "
          + knownNames() + ")");
    }
    EnumSet<InstructionTask> set = EnumSet.noneOf(InstructionTask.class);
    for (InstructionTask t : tasks) {
      if (t == null) {
        throw new IllegalArgumentException("a task mix holds a null task");
      }
      if (!set.add(t)) {
        throw new IllegalArgumentException("task '" + t.taskName() + "' is listed twice in a task mix");
      }
    }
    tasks = List.copyOf(set); // canonical order, so equal sets are equal mixes
  }

  /** Every task: the whole training split. */
  public static TaskMix all() {
    return new TaskMix(Arrays.asList(InstructionTask.values()));
  }

  /** The given tasks. */
  public static TaskMix of(InstructionTask... tasks) {
    return new TaskMix(Arrays.asList(tasks));
  }

  /**
   * The mix of the named tasks (names as {@link InstructionTask#taskName()}, e.g. {@code pope},
   * {@code text-plural}).
   *
   * @throws IllegalArgumentException naming an unknown task and the known ones
   */
  @JsonCreator
  public static TaskMix ofNames(List<String> names) {
    if (names == null) {
      throw new IllegalArgumentException("a task mix needs a list of task names (known: "
          + knownNames() + ")");
    }
    List<InstructionTask> tasks = new ArrayList<>(names.size());
    for (String n : names) {
      tasks.add(byName(n));
    }
    return new TaskMix(tasks);
  }

  private static InstructionTask byName(String name) {
    for (InstructionTask t : InstructionTask.values()) {
      if (t.taskName().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown task '" + name + "' in a task mix (known: "
        + knownNames() + ")");
  }

  private static String knownNames() {
    return Arrays.stream(InstructionTask.values()).map(InstructionTask::taskName)
        .collect(Collectors.joining(", "));
  }

  /** The task names, in {@link InstructionTask} order (the JSON form). */
  @JsonValue
  public List<String> names() {
    return tasks.stream().map(InstructionTask::taskName).toList();
  }

  /** Whether the mix holds every task. */
  public boolean isAll() {
    return tasks.size() == InstructionTask.values().length;
  }

  /** Whether samples of {@code task} belong to the mix. */
  public boolean contains(InstructionTask task) {
    return tasks.contains(task);
  }

  /**
   * The samples of the mix's tasks, in their order; {@code samples} itself when the mix holds
   * every task.
   */
  public List<InstructionSample> select(List<InstructionSample> samples) {
    if (isAll()) {
      return samples;
    }
    Set<InstructionTask> set = EnumSet.copyOf(tasks);
    return samples.stream().filter(s -> set.contains(s.task())).toList();
  }

  @Override
  public String toString() {
    return String.join(",", names());
  }
}
