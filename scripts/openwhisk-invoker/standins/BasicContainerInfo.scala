/*
 * Palette for OpenWhisk: stand-in for containerpool.v2.BasicContainerInfo (upstream in
 * FunctionPullingContainerProxy.scala, left out of this build with the rest of the FPC pool). Same fields and
 * JSON format as apache/openwhisk@1fae641; in its own file, as upstream, so the implicit format is visible to
 * PoolStateStandins.scala. Licensed under the Apache License 2.0, as OpenWhisk.
 */
package org.apache.openwhisk.core.containerpool.v2

import spray.json.DefaultJsonProtocol

object BasicContainerInfo extends DefaultJsonProtocol {
  implicit val prewarmedPoolSerdes = jsonFormat4(BasicContainerInfo.apply)
}

sealed case class BasicContainerInfo(containerId: String, namespace: String, action: String, kind: String)
