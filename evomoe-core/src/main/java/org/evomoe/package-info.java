/** EvoMoE core. */
package org.evomoe;
