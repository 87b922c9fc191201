using AptP2P.Engine.Dht.Items;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Dht.Queries;

namespace AptP2P.Engine.Dht;

/// <summary>The small observers that turn lookup and query callbacks into tasks.</summary>
public sealed partial class DhtNode
{
    /// <summary>Collects BEP 44 items from a get lookup, keeping only those that verify.</summary>
    private sealed class ItemListener(NodeId target, byte[]? publicKey, byte[] salt, bool firstValid) : CompletionListener
    {
        private Action? _stop;

        public MutableItem? Best { get; private set; }
        public byte[]? Immutable { get; private set; }

        public new async Task WaitAsync(Action cancel, CancellationToken cancellationToken)
        {
            _stop = cancel;
            await base.WaitAsync(cancel, cancellationToken);
        }

        /// <summary>Considers an item from our own store (we may be among the nodes closest to the target).</summary>
        public void Offer(Storage.StoredItem? stored)
        {
            if (stored is not null)
                OnItem(new KrpcResponse([], default) { Value = stored.Value, Key = stored.Key, Signature = stored.Signature, Seq = stored.IsMutable ? stored.Seq : null }, null!);
        }

        public override void OnItem(KrpcResponse response, NodeContact from)
        {
            if (response.Value is not { } value)
                return;
            if (publicKey is null)
            {
                if (Immutable is null && NodeId.Sha1(value) == target)
                {
                    Immutable = value;
                    Stop();
                }
                return;
            }
            if (response.Key is not { } key || response.Signature is not { } signature || response.Seq is not { } seq
                || !key.AsSpan().SequenceEqual(publicKey) || (Best is not null && Best.Seq >= seq))
            {
                return;
            }

            var item = new MutableItem(key, salt, seq, value, signature);
            if (item.Target != target || !item.VerifySignature())
                return;
            Best = item;
            if (firstValid)
                Stop();
        }

        // Called under the node's lock, from inside the lookup: cancelling the lookup here completes it at once.
        private void Stop() => _stop?.Invoke();
    }

    /// <summary>Completes with the responder's id, or null on timeout or error.</summary>
    private sealed class SingleQueryObserver : IQueryObserver
    {
        private readonly TaskCompletionSource<NodeId?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Cancellation completes the same task (no WaitAsync hop through the thread pool: simulations stay on one thread).
        public SingleQueryObserver(CancellationToken cancellationToken) =>
            cancellationToken.UnsafeRegister(static (state, token) => ((TaskCompletionSource<NodeId?>)state!).TrySetCanceled(token), _done);

        public Task<NodeId?> Task => _done.Task;

        public void OnResponse(PendingQuery query, KrpcResponse response) => _done.TrySetResult(response.SenderId);
        public void OnError(PendingQuery query, KrpcError failure) => _done.TrySetResult(null);
        public void OnSlow(PendingQuery query)
        {
        }
        public void OnTimeout(PendingQuery query) => _done.TrySetResult(null);
    }

    /// <summary>Counts accepted stores (announce_peer, put) until every target has answered or timed out.</summary>
    private sealed class StoreObserver : IQueryObserver
    {
        private readonly TaskCompletionSource<int> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int _expected;
        private readonly CancellationTokenRegistration _registration;
        private int _accepted;
        private int _finished;

        public StoreObserver(int expected, CancellationToken cancellationToken)
        {
            _expected = expected;
            _registration = cancellationToken.UnsafeRegister(static (state, token) => ((TaskCompletionSource<int>)state!).TrySetCanceled(token), _done);
        }

        public Task<int> Task => _done.Task;

        public void OnResponse(PendingQuery query, KrpcResponse response)
        {
            _accepted++;
            Count();
        }

        public void OnError(PendingQuery query, KrpcError failure) => Count();

        public void OnSlow(PendingQuery query)
        {
        }

        public void OnTimeout(PendingQuery query) => Count();

        private void Count()
        {
            if (++_finished < _expected)
                return;
            _done.TrySetResult(_accepted);
            _registration.Dispose();
        }
    }
}
