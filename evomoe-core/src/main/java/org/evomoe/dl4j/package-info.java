/**
 * DeepLearning4J adapter: the sparse MoE FFN ({@link org.evomoe.dl4j.MoeFfnLayer}) as a layer of a
 * {@code MultiLayerNetwork} or {@code ComputationGraph}, expert evolution as a training listener
 * ({@link org.evomoe.dl4j.ExpertEvolutionListener}) and upcycling from dense DL4J layers ({@link
 * org.evomoe.dl4j.DenseUpcycling}).
 *
 * <p>Needs {@code org.deeplearning4j:deeplearning4j-nn} on the class path; evomoe-core declares
 * it optional, so programs that do not use this package do not get it. See docs/dl4j.md.
 */
package org.evomoe.dl4j;
