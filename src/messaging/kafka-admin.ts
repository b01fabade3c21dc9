/**
 * The admin side of the Kafka adapter: one lazily connected kafkajs admin client that creates
 * topics (as OpenWhisk's `ensureTopic` does, see topic-config.ts), reads a new group's start
 * offsets and removes idle consumer groups. Names passed in are broker-side (already prefixed).
 */
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { TopicKind } from './bus.js';
import { topicConfigEntries } from './topic-config.js';

export class KafkaAdmin {
  private admin: Admin | undefined;
  private adminReady: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    /** `whisk.kafka.replication-factor`; default 1. */
    private readonly replicationFactor = 1,
  ) {}

  /** Creating is idempotent: an existing topic answers false. */
  async createTopic(name: string, kind: TopicKind): Promise<void> {
    const admin = await this.connect();
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: name,
          numPartitions: 1,
          replicationFactor: this.replicationFactor,
          configEntries: topicConfigEntries(kind),
        },
      ],
    });
    this.logger.debug({ topic: name, kind, created }, 'ensured topic');
  }

  /**
   * The topic's current end offsets, for a group that has no committed offset yet; the
   * subscription seeks there before its first fetch. Leaving "latest" to the consumer would resolve
   * it at that first fetch, after the join: a message sent in between would be skipped. (kafkajs's
   * admin.setOffsets would do too, but it joins the group with a throwaway member first, which costs
   * a few seconds per subscription.)
   */
  async endOffsetsForNewGroup(
    groupId: string,
    topic: string,
  ): Promise<{ partition: number; offset: string }[]> {
    const admin = await this.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    if ((committed?.partitions ?? []).some((p) => Number(p.offset) >= 0)) return [];
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.map((e) => ({ partition: e.partition, offset: e.high }));
  }

  /** Deletes the groups under `prefix` that `select` picks and that have no members; answers their names without the prefix. */
  async deleteIdleGroups(prefix: string, select: (group: string) => boolean): Promise<string[]> {
    const admin = await this.connect();
    const { groups } = await admin.listGroups();
    const candidates = groups
      .map((g) => g.groupId)
      .filter((id) => id.startsWith(prefix) && select(id.slice(prefix.length)));
    if (candidates.length === 0) return [];
    const { groups: described } = await admin.describeGroups(candidates);
    const idle = described.filter((g) => g.state === 'Empty' || g.state === 'Dead').map((g) => g.groupId);
    if (idle.length === 0) return [];
    await admin.deleteGroups(idle);
    return idle.map((id) => id.slice(prefix.length));
  }

  /** Disconnects if a connection was ever started. */
  async disconnect(): Promise<void> {
    if (this.adminReady) await this.admin?.disconnect();
  }

  private async connect(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      this.adminReady = this.admin.connect();
    }
    const admin = this.admin;
    try {
      await this.adminReady;
    } catch (err) {
      this.admin = undefined;
      this.adminReady = undefined;
      throw err;
    }
    return admin;
  }
}
