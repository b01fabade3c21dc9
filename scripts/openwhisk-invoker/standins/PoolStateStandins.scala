/*
 * Palette for OpenWhisk: stand-in for the pool-state case classes of package containerpool.v2, which the
 * classic invoker (Invoker.scala, InvokerReactive.scala) names in InvokerCore.getPoolState's type. They live in
 * FunctionPullingContainerPool.scala and FunctionPullingContainerProxy.scala, the scheduler-based (FPC) pool,
 * which this build leaves out. Same names, fields and JSON formats as apache/openwhisk@1fae641; nothing else of
 * those files is copied. Licensed under the Apache License 2.0, as OpenWhisk.
 */
package org.apache.openwhisk.core.containerpool.v2

import spray.json.DefaultJsonProtocol

object TotalContainerPoolState extends DefaultJsonProtocol {
  implicit val prewarmedPoolSerdes = jsonFormat2(PrewarmedContainerPoolState.apply)
  implicit val warmPoolSerdes = jsonFormat2(WarmContainerPoolState.apply)
  implicit val totalPoolSerdes = jsonFormat5(TotalContainerPoolState.apply)
}

case class PrewarmedContainerPoolState(total: Int, countsByKind: Map[String, Int])
case class WarmContainerPoolState(total: Int, containers: List[BasicContainerInfo])
case class TotalContainerPoolState(totalContainers: Int,
                                   inProgressCount: Int,
                                   prewarmedPool: PrewarmedContainerPoolState,
                                   busyPool: WarmContainerPoolState,
                                   pausedPool: WarmContainerPoolState) {
  def serialize(): String = TotalContainerPoolState.totalPoolSerdes.write(this).compactPrint
}

case class NotSupportedPoolState() {
  def serialize(): String = "not supported"
}
