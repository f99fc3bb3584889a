package org.evomoe.checkpoint;

import org.evomoe.moe.MoeLayerSpec;

/**
 * The config.json of a saved MoE layer ({@link MoeLayerCheckpoint}): the format version and the
 * layer's specification.
 *
 * @param formatVersion {@link MoeLayerCheckpoint#FORMAT_VERSION}
 * @param layer the layer's specification
 */
record MoeLayerConfigFile(int formatVersion, MoeLayerSpec layer) {}
