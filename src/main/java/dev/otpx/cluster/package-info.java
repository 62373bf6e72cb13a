/**
 * The Hazelcast cluster: how a node joins (configuration from {@code conf/cluster.yaml} and the
 * environment, TCP member list or Kubernetes DNS discovery) and how membership changes reach the
 * process runtime. What a cluster means for processes lives in {@code dev.otpx.process}
 * ({@code Nodes}, {@code Global}).
 *
 * <p>Usage: {@code ClusterNode.start(ClusterOptions.fromEnv(System.getenv()), new VertxOptions())}.
 */
package dev.otpx.cluster;
