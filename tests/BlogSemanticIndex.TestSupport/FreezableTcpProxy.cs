using System.Net;
using System.Net.Sockets;

namespace BlogSemanticIndex.TestSupport;

/// <summary>
/// A loopback TCP proxy that can freeze: while frozen it still accepts connections but forwards no byte either way,
/// which is what clients of a stopped (SIGSTOP), swapping or wedged database server see. Thawing delivers what was
/// held. Cutting drops every connection and closes each new one at once, as a stopped server's clients see.
/// Only for tests: the shared PostgreSQL itself is never stopped.
/// </summary>
public sealed class FreezableTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _acceptLoop;
    private volatile TaskCompletionSource _thawed = NewCompleted();
    private volatile bool _cut;

    public FreezableTcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Freeze()
    {
        if (_thawed.Task.IsCompleted)
        {
            _thawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Thaw() => _thawed.TrySetResult();

    /// <summary>Drops every open connection; until <see cref="Restore"/>, new ones are closed as soon as they open.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
            _clients.Clear();
        }
    }

    public void Restore() => _cut = false;

    private static TaskCompletionSource NewCompleted()
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.SetResult();
        return source;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (_cut)
            {
                client.Dispose();
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        lock (_clients)
        {
            _clients.Add(client);
            _clients.Add(server);
        }
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            var a = PumpAsync(client.GetStream(), server.GetStream());
            var b = PumpAsync(server.GetStream(), client.GetStream());
            await Task.WhenAny(a, b);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // A side closed or the proxy stopped: nothing to relay any more.
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }
            await _thawed.Task.WaitAsync(_stop.Token);
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }
        await _acceptLoop;
        _stop.Dispose();
    }
}
