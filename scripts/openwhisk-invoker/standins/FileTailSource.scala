/*
 * Palette for OpenWhisk: stand-in for org.apache.pekko.stream.connectors.file.scaladsl.FileTailSource
 * (pekko-connectors-file, which Maven Central as reached here does not serve for Scala 2.12).
 * Same package, object name and apply signature as pekko-connectors-file 1.1.0, the only member
 * OpenWhisk's DockerClientWithFileAccess calls: it emits the bytes of a file from startingPosition on,
 * in chunks of at most maxChunkSize, and when it reaches the end it polls every pollingInterval for
 * more, until the stream is cancelled (OpenWhisk ends it itself when it sees its log sentinels).
 * Licensed under the Apache License 2.0, as the rest of this build.
 */
package org.apache.pekko.stream.connectors.file.scaladsl

import java.nio.ByteBuffer
import java.nio.channels.FileChannel
import java.nio.file.{Path, StandardOpenOption}

import org.apache.pekko.NotUsed
import org.apache.pekko.stream.{Attributes, Outlet, SourceShape}
import org.apache.pekko.stream.scaladsl.Source
import org.apache.pekko.stream.stage.{GraphStage, GraphStageLogic, OutHandler, TimerGraphStageLogic}
import org.apache.pekko.util.ByteString

import scala.concurrent.duration.FiniteDuration

object FileTailSource {
  def apply(path: Path,
            maxChunkSize: Int,
            startingPosition: Long,
            pollingInterval: FiniteDuration): Source[ByteString, NotUsed] =
    Source.fromGraph(new FileTailStage(path, maxChunkSize, startingPosition, pollingInterval))
}

private final class FileTailStage(path: Path, maxChunkSize: Int, startingPosition: Long, pollingInterval: FiniteDuration)
    extends GraphStage[SourceShape[ByteString]] {
  require(maxChunkSize > 0, "maxChunkSize must be positive")
  require(startingPosition >= 0, "startingPosition must not be negative")

  val out: Outlet[ByteString] = Outlet("FileTailSource.out")
  override val shape: SourceShape[ByteString] = SourceShape(out)

  override def createLogic(inheritedAttributes: Attributes): GraphStageLogic =
    new TimerGraphStageLogic(shape) with OutHandler {
      private var channel: FileChannel = _
      private var position = startingPosition
      private val buffer = ByteBuffer.allocate(maxChunkSize)

      override def preStart(): Unit =
        channel = FileChannel.open(path, StandardOpenOption.READ) // fails the stage if the file is missing

      override def onPull(): Unit = readOrWait()

      override protected def onTimer(timerKey: Any): Unit = readOrWait()

      private def readOrWait(): Unit = {
        buffer.clear()
        val n = channel.read(buffer, position)
        if (n > 0) {
          position += n
          buffer.flip()
          push(out, ByteString.fromByteBuffer(buffer))
        } else scheduleOnce("poll", pollingInterval)
      }

      override def postStop(): Unit = if (channel != null) channel.close()

      setHandler(out, this)
    }
}
