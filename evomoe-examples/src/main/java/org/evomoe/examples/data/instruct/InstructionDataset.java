package org.evomoe.examples.data.instruct;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.evomoe.examples.data.FashionMnistClass;

/**
 * Generated instruction data: training and test samples (canvases of disjoint source images) and
 * the class frequencies of the training canvases that define POPE "popular" negatives.
 *
 * @param train training samples, shuffled
 * @param test test samples, shuffled
 * @param trainItemCounts number of items of each class over all training canvases
 */
public record InstructionDataset(
    List<InstructionSample> train,
    List<InstructionSample> test,
    Map<FashionMnistClass, Integer> trainItemCounts) {
  public InstructionDataset {
    train = List.copyOf(Objects.requireNonNull(train, "train"));
    test = List.copyOf(Objects.requireNonNull(test, "test"));
    Map<FashionMnistClass, Integer> counts = new EnumMap<>(FashionMnistClass.class);
    for (FashionMnistClass c : FashionMnistClass.values()) {
      Integer n = Objects.requireNonNull(trainItemCounts, "trainItemCounts").get(c);
      if (n == null || n < 0) {
        throw new IllegalArgumentException("trainItemCounts needs a count >= 0 for " + c.word());
      }
      counts.put(c, n);
    }
    trainItemCounts = Collections.unmodifiableMap(counts);
  }

  /** All classes, most frequent in the training canvases first (ties: lower label first). */
  public List<FashionMnistClass> popularityRanking() {
    return popularityRanking(trainItemCounts);
  }

  static List<FashionMnistClass> popularityRanking(Map<FashionMnistClass, Integer> counts) {
    List<FashionMnistClass> ranking = new ArrayList<>(List.of(FashionMnistClass.values()));
    ranking.sort(
        Comparator.comparing((FashionMnistClass c) -> -counts.get(c))
            .thenComparing(FashionMnistClass::label));
    return List.copyOf(ranking);
  }
}
