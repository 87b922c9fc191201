using AptP2P.Web.Files;
using Microsoft.AspNetCore.Http.Features;

namespace AptP2P.Web.Hosting;

/// <summary>
/// Every request runs inside this: a client that goes away mid-response (apt interrupted, a peer that got the file elsewhere)
/// is ordinary, so it is noted once at Debug instead of reaching Kestrel as an application error with a stack trace that would
/// hide the real ones.
/// </summary>
internal sealed partial class ClientAbortLog(ILogger<ClientAbortLog> logger)
{
    public async Task RunAsync(HttpContext context, RequestDelegate handle)
    {
        try
        {
            await handle(context);
        }
        catch (Exception ex) when (IsClientAbort(context, ex))
        {
            LogWentAway(context, ex.GetType().Name);
            return;
        }
        // Handlers that saw the abort and stopped quietly (the file copy does): still one line, for whoever looks at Debug.
        if (context.RequestAborted.IsCancellationRequested || FileResponder.ClientWentAway(context))
            LogWentAway(context, "none");
    }

    // ConnectionResetException is an IOException; a write or a wait on RequestAborted after the abort throws one of these two.
    private static bool IsClientAbort(HttpContext context, Exception ex) =>
        context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException;

    private void LogWentAway(HttpContext context, string exception) =>
        LogWentAway(context.Request.Method, context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "",
            context.Connection.RemoteIpAddress?.ToString() ?? "?", context.Response.HasStarted, exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Target} from {Client}: the connection closed before the response was complete (the client went away or the response was cut; headers sent: {HeadersSent}, exception: {Exception})")]
    private partial void LogWentAway(string method, string target, string client, bool headersSent, string exception);
}
