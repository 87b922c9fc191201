using AptP2P.Engine.Transfers;
using AptP2P.Engine.Transfers.Bodies;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Transfers;

public sealed class BodyReaderTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly ControlledStream _body = new();
    private readonly CollectingSink _sink = new();

    [Fact]
    public async Task A_body_that_trickles_slower_than_the_timeout_in_total_but_faster_per_read_is_read_to_the_end()
    {
        var reader = new BodyReader(_time);
        var read = reader.ReadAsync(_body, _sink, long.MaxValue, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();

        for (byte i = 1; i <= 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            _body.Send(i);
            await _sink.WaitForAsync(i).WaitAsync(Deadline, TestContext.Current.CancellationToken);
        }
        _body.End();
        var result = await read.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(new BodyReadResult(BodyReadStatus.Done, 10), result);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], _sink.Bytes);
    }

    [Fact]
    public async Task A_silent_body_times_out_after_the_activity_timeout()
    {
        var reader = new BodyReader(_time);
        var read = reader.ReadAsync(_body, _sink, long.MaxValue, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();

        _time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(read.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await read.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(BodyReadStatus.TimedOut, result.Status);
        Assert.IsAssignableFrom<OperationCanceledException>(result.Error);
    }

    [Fact]
    public async Task A_body_that_goes_silent_after_some_bytes_times_out_with_what_it_sent()
    {
        var reader = new BodyReader(_time);
        var read = reader.ReadAsync(_body, _sink, long.MaxValue, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();
        _body.Send(1, 2, 3);
        await _sink.WaitForAsync(3).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        _time.Advance(Timeout);
        var result = await read.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(BodyReadStatus.TimedOut, result.Status);
        Assert.Equal(3, result.Bytes);
    }

    [Fact]
    public async Task Each_wait_for_data_is_a_zero_byte_read_before_a_buffer_is_used()
    {
        var reader = new BodyReader(_time);
        var read = reader.ReadAsync(_body, _sink, long.MaxValue, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();
        _body.Send(1, 2);
        await _sink.WaitForAsync(2).WaitAsync(Deadline, TestContext.Current.CancellationToken);
        _body.End();
        await read.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        // Wait (empty), read the chunk (a buffer), wait again (empty), read the end (a buffer).
        Assert.Equal([0, 1024, 0, 1024], _body.ReadLengths);
    }

    [Fact]
    public async Task A_body_that_ends_before_the_bytes_asked_for_is_an_early_end()
    {
        var reader = new BodyReader(_time);
        var read = reader.ReadAsync(_body, _sink, 5, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();
        _body.Send(1, 2);
        _body.End();

        Assert.Equal(new BodyReadResult(BodyReadStatus.EndOfStream, 2), await read.WaitAsync(Deadline, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Reading_stops_at_the_bytes_asked_for_without_waiting_for_the_end()
    {
        var reader = new BodyReader(_time);
        var read = reader.ReadAsync(_body, _sink, 2, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();
        _body.Send(1, 2, 3);

        Assert.Equal(new BodyReadResult(BodyReadStatus.Done, 2), await read.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal([1, 2], _sink.Bytes);
    }

    [Fact]
    public async Task A_sink_that_declines_stops_the_read()
    {
        var reader = new BodyReader(_time);
        var sink = new CollectingSink { Limit = 1 };
        var read = reader.ReadAsync(_body, sink, long.MaxValue, Timeout, 1, TestContext.Current.CancellationToken).AsTask();
        _body.Send(1, 2);

        Assert.Equal(new BodyReadResult(BodyReadStatus.Stopped, 1), await read.WaitAsync(Deadline, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_callers_cancellation_throws_rather_than_reading_as_a_timeout()
    {
        var reader = new BodyReader(_time);
        using var cancellation = new CancellationTokenSource();
        var read = reader.ReadAsync(_body, _sink, long.MaxValue, Timeout, 1024, cancellation.Token).AsTask();

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Deadline, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_body_read_after_one_that_timed_out_has_its_own_full_timeout()
    {
        var reader = new BodyReader(_time);
        var first = reader.ReadAsync(_body, _sink, long.MaxValue, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();
        _time.Advance(Timeout);
        Assert.Equal(BodyReadStatus.TimedOut, (await first.WaitAsync(Deadline, TestContext.Current.CancellationToken)).Status);

        var second = new ControlledStream();
        var sink = new CollectingSink();
        var read = reader.ReadAsync(second, sink, long.MaxValue, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();
        _time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        second.Send(7);
        await sink.WaitForAsync(1).WaitAsync(Deadline, TestContext.Current.CancellationToken);
        second.End();

        Assert.Equal(new BodyReadResult(BodyReadStatus.Done, 1), await read.WaitAsync(Deadline, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Bodies_read_one_after_another_each_get_a_fresh_timeout()
    {
        var reader = new BodyReader(_time);
        for (var i = 0; i < 3; i++)
        {
            var body = new ControlledStream();
            var sink = new CollectingSink();
            var read = reader.ReadAsync(body, sink, long.MaxValue, Timeout, 1024, TestContext.Current.CancellationToken).AsTask();
            _time.Advance(TimeSpan.FromSeconds(2));
            body.Send(1);
            await sink.WaitForAsync(1).WaitAsync(Deadline, TestContext.Current.CancellationToken);
            body.End();
            Assert.Equal(BodyReadStatus.Done, (await read.WaitAsync(Deadline, TestContext.Current.CancellationToken)).Status);
        }
    }

    public void Dispose() => _body.Dispose();

    private sealed class CollectingSink : IBodySink
    {
        private readonly List<byte> _bytes = [];
        private readonly ProgressSignal _arrived = new();

        public int Limit { get; init; } = int.MaxValue;

        public List<byte> Bytes
        {
            get
            {
                lock (_bytes)
                    return [.. _bytes];
            }
        }

        public bool Accept(ReadOnlySpan<byte> chunk)
        {
            lock (_bytes)
            {
                if (_bytes.Count + chunk.Length > Limit)
                    return false;
                _bytes.AddRange(chunk);
            }
            _arrived.Notify();
            return true;
        }

        public async Task WaitForAsync(int count)
        {
            while (true)
            {
                var arrived = _arrived.WaitAsync(TestContext.Current.CancellationToken);
                if (Bytes.Count >= count)
                    return;
                await arrived;
            }
        }
    }
}
