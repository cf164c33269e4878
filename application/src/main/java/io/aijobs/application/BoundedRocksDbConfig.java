package io.aijobs.application;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the off-heap memory of every RocksDB store of the JVM together: one block cache and one write-buffer
 * budget shared by all stores of all tasks, index and filter blocks counted in the cache. Without it each store
 * instance (one per task per store: job-state, retry-timers, alert-windows, ...) gets its own block cache and
 * memtables, so the process's off-heap memory grows with partitions and stores rather than with a setting.
 *
 * <p>The default {@code rocksdb.config.setter} of every application (see {@link StreamsAppConfig}); {@code streams.rocksdb.config.setter} replaces it.
 */
public final class BoundedRocksDbConfig implements RocksDBConfigSetter {

    /** Block cache shared by all stores, memtables included (they are charged to it). */
    static final long TOTAL_OFF_HEAP_BYTES = 48L * 1024 * 1024;
    static final long TOTAL_MEMTABLE_BYTES = 16L * 1024 * 1024;
    static final double INDEX_FILTER_BLOCK_RATIO = 0.1;

    static {
        // this class may be initialised before Kafka Streams opens its first store, which loads the library
        RocksDB.loadLibrary();
    }

    private static final Cache CACHE = new LRUCache(TOTAL_OFF_HEAP_BYTES, -1, false, INDEX_FILTER_BLOCK_RATIO);
    private static final WriteBufferManager WRITE_BUFFERS = new WriteBufferManager(TOTAL_MEMTABLE_BYTES, CACHE);

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(WRITE_BUFFERS);
        options.setWriteBufferSize(4L * 1024 * 1024);
        options.setMaxWriteBufferNumber(2);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write-buffer manager are shared by every store of the process: never closed here
    }
}
