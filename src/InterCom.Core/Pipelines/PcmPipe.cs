using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;

namespace InterCom.Core.Pipelines;

/// <summary>Helpers for pipes that carry interleaved float PCM, frame by frame.</summary>
internal static class PcmPipe
{
    /// <summary>
    /// A pipe whose reader runs inline on the writer's thread: a frame written is consumed before the
    /// write returns, so the pipe adds no thread hop and no latency. Back-pressure is tight (the writer
    /// waits once two frames are unread): every frame queued here would be latency, and when the reader
    /// is a real-time sink, its pace must reach the writer at once.
    /// </summary>
    public static Pipe Create(int frameBytes) => new(new PipeOptions(
        pool: MemoryPool<byte>.Shared,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: frameBytes * 2,
        resumeWriterThreshold: frameBytes,
        minimumSegmentSize: Math.Max(4096, frameBytes),
        useSynchronizationContext: false));

    /// <summary>
    /// Writes one frame and flushes, blocking only when the reader applies back-pressure. False when the
    /// reader has completed, or the wait was cancelled (<see cref="PipeWriter.CancelPendingFlush"/>: stopping).
    /// </summary>
    public static bool WriteFrame(PipeWriter writer, ReadOnlySpan<float> frame)
    {
        writer.Write(MemoryMarshal.AsBytes(frame));
        ValueTask<FlushResult> flush = writer.FlushAsync();
        FlushResult result = flush.IsCompletedSuccessfully ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
        return !result.IsCompleted && !result.IsCanceled;
    }

    /// <summary>
    /// Reads whole frames from <paramref name="reader"/> until it completes, handing each to
    /// <paramref name="onFrame"/>; completes the reader when done.
    /// </summary>
    public static async Task ConsumeFramesAsync(PipeReader reader, float[] frame, Action<float[]> onFrame)
    {
        int frameBytes = frame.Length * sizeof(float);
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (buffer.Length >= frameBytes)
                {
                    buffer.Slice(0, frameBytes).CopyTo(MemoryMarshal.AsBytes(frame.AsSpan()));
                    onFrame(frame);
                    buffer = buffer.Slice(frameBytes);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            await reader.CompleteAsync(error).ConfigureAwait(false);
        }
    }
}
