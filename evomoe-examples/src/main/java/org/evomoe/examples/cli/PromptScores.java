package org.evomoe.examples.cli;

import java.util.List;

/**
 * What {@code evomoe score --json} prints: the log-probability of every prompt token after
 * {@code <bos>} given the tokens before it, and the most likely next tokens after the prompt.
 *
 * @param checkpoint the model folder, as given
 * @param prompt the scored text, as given
 * @param imageTokens image rows before the text (0 without an image)
 * @param tokens one entry per scored position, in order
 * @param totalLogprob the sum of the tokens' log-probabilities
 * @param next the {@code --top} most likely next tokens, most likely first
 */
public record PromptScores(String checkpoint, String prompt, int imageTokens,
    List<ScoredToken> tokens, double totalLogprob, List<NextToken> next) {

  public PromptScores {
    tokens = List.copyOf(tokens);
    next = List.copyOf(next);
  }

  /**
   * @param position the token's position in the sequence (image rows included)
   * @param token its text
   * @param id its vocabulary id
   * @param logprob natural-log probability of the token given the positions before it
   */
  public record ScoredToken(int position, String token, int id, double logprob) {}

  /**
   * @param token the token's text
   * @param id its vocabulary id
   * @param logprob natural-log probability of it following the prompt
   */
  public record NextToken(String token, int id, double logprob) {}
}
