using System.Collections.Concurrent;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Persistence;
using AptP2P.Tests.Dashboard;
using AptP2P.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Cache;

/// <summary>The write-behind database writer on a real SQLite file and a fake clock.</summary>
public sealed class DatabaseWriterTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly EngineServices _services = new();
    private DatabaseWriter Writer => _services.Get<DatabaseWriter>();

    public async ValueTask InitializeAsync()
    {
        await _services.Get<DatabaseInitializer>().InitializeAsync(Ct);
        await Writer.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task Write_behind_work_waits_for_company_until_the_gather_delay_has_passed()
    {
        var clock = new WatchedClock(_services.Time);
        using var writer = new DatabaseWriter(_services.Get<NodeDatabase>(), clock, NullLogger<DatabaseWriter>.Instance);
        await writer.StartAsync(Ct);
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gathering = clock.TimerArmedFor(DatabaseWriter.GatherDelay);

        writer.Enqueue("test", (_, _) =>
        {
            ran.TrySetResult();
            return Task.CompletedTask;
        });

        // The writer now waits for the fake clock or for a waiting caller, and neither comes: the work cannot have run.
        await gathering.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        _services.Time.Advance(DatabaseWriter.GatherDelay - TimeSpan.FromTicks(1));
        Assert.False(ran.Task.IsCompleted, "write-behind work ran before its gather delay had passed");

        _services.Time.Advance(TimeSpan.FromTicks(1));
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_waited_write_takes_the_gathered_ones_along_at_once()
    {
        Writer.Enqueue("gathered", (db, _) => CacheRows.StoreAsync(db, Record("mirror/gathered"), CancellationToken.None));

        // No time passes on the fake clock: only the waiting caller can have ended the gathering.
        await Writer.WriteAsync("waited", (db, _) => CacheRows.StoreAsync(db, Record("mirror/waited"), CancellationToken.None), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await using var db = TestDatabase.Open(_services.Get<DataDirectory>());
        Assert.Equal(["mirror/gathered", "mirror/waited"], await db.UrlRecords.Select(r => r.Url).OrderBy(u => u).ToListAsync(Ct));
    }

    [Fact]
    public async Task Work_that_commits_alone_such_as_an_index_ingest_runs_without_the_gather_delay()
    {
        // No time passes on the fake clock: only the alone write can have ended the gathering.
        await Writer.CommitAloneAsync("ingest", async (db, _) =>
        {
            await CacheRows.StoreAsync(db, Record("mirror/alone"), CancellationToken.None);
            return null;
        }).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await using var db = TestDatabase.Open(_services.Get<DataDirectory>());
        Assert.True(await db.UrlRecords.AnyAsync(r => r.Url == "mirror/alone", Ct));
    }

    [Fact]
    public async Task A_failed_alone_write_rolls_back_alone_and_skips_its_step_after_commit()
    {
        Writer.Enqueue("gathered before", (db, _) => CacheRows.StoreAsync(db, Record("mirror/before"), CancellationToken.None));
        var stepped = false;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Writer.CommitAloneAsync("broken ingest", async (db, _) =>
        {
            await CacheRows.StoreAsync(db, Record("mirror/half-written"), CancellationToken.None);
            throw new InvalidOperationException("broken on purpose");
        }).WaitAsync(TimeSpan.FromSeconds(30), Ct));
        await Writer.CommitAloneAsync("next ingest", (_, _) => Task.FromResult<Action?>(() => stepped = true)).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal("broken on purpose", failure.Message);
        Assert.True(stepped, "the step after a successful commit did not run");
        await using var db = TestDatabase.Open(_services.Get<DataDirectory>());
        Assert.Equal(["mirror/before"], await db.UrlRecords.Select(r => r.Url).ToListAsync(Ct));
    }

    [Fact]
    public async Task The_step_after_an_alone_commit_runs_before_the_next_write()
    {
        var order = new ConcurrentQueue<string>();
        var first = Writer.CommitAloneAsync("first", (_, _) =>
        {
            order.Enqueue("first written");
            return Task.FromResult<Action?>(() => order.Enqueue("first committed"));
        });
        var second = Writer.CommitAloneAsync("second", (_, _) =>
        {
            order.Enqueue("second written");
            return Task.FromResult<Action?>(null);
        });

        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(["first written", "first committed", "second written"], order);
    }

    [Fact]
    public async Task Stopping_commits_what_is_still_gathering()
    {
        Writer.Enqueue("gathered", (db, _) => CacheRows.StoreAsync(db, Record("mirror/at-stop"), CancellationToken.None));

        await Writer.StopAsync(Ct);

        await using var db = TestDatabase.Open(_services.Get<DataDirectory>());
        Assert.True(await db.UrlRecords.AnyAsync(r => r.Url == "mirror/at-stop", Ct));
    }

    [Fact]
    public async Task Writes_that_come_after_the_writer_stopped_still_land()
    {
        await Writer.StopAsync(Ct);

        // What another service saves during its own stop, after the host stopped the writer (a routing table, a last record).
        await Writer.WriteAsync("late, waited", (db, _) => CacheRows.StoreAsync(db, Record("mirror/late-waited"), CancellationToken.None), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var enqueued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Writer.Enqueue("late, behind", async (db, _) =>
        {
            await CacheRows.StoreAsync(db, Record("mirror/late-behind"), CancellationToken.None);
            enqueued.TrySetResult();
        });
        await enqueued.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await using var db = TestDatabase.Open(_services.Get<DataDirectory>());
        Assert.Equal(["mirror/late-behind", "mirror/late-waited"], await db.UrlRecords.Select(r => r.Url).OrderBy(u => u).ToListAsync(Ct));
    }

    [Fact]
    public async Task A_late_write_that_fails_fails_its_caller()
    {
        await Writer.StopAsync(Ct);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Writer.WriteAsync("late, broken", (_, _) => throw new InvalidOperationException("broken on purpose"), Ct));
        Assert.Equal("broken on purpose", failure.Message);
    }

    /// <summary>A fake clock that tells when somebody starts waiting on it for a given time.</summary>
    private sealed class WatchedClock(FakeTimeProvider clock) : TimeProvider
    {
        private readonly ConcurrentDictionary<TimeSpan, TaskCompletionSource> _armed = new();

        public Task TimerArmedFor(TimeSpan due) => Armed(due).Task;

        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();
        public override long GetTimestamp() => clock.GetTimestamp();
        public override long TimestampFrequency => clock.TimestampFrequency;
        public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = clock.CreateTimer(callback, state, dueTime, period);
            Armed(dueTime).TrySetResult();
            return timer;
        }

        private TaskCompletionSource Armed(TimeSpan due) =>
            _armed.GetOrAdd(due, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private static Data.Cache.UrlRecord Record(string url) => new()
    {
        Url = url,
        Sha256 = new string('a', 64),
        Size = 1,
        FetchedAt = DateTimeOffset.UnixEpoch,
    };
}
