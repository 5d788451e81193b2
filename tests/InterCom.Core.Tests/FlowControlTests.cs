using System.Diagnostics.Metrics;
using System.Net;
using System.Runtime.InteropServices;
using InterCom.Core.FlowControl;

namespace InterCom.Core.Tests;

public sealed class FlowControlTests
{
    [Fact]
    public void The_block_layout_is_the_documented_one()
    {
        // docs/flow-control.md's table: where each section starts (the values follow a sequence number).
        Assert.Equal(512, Marshal.SizeOf<CountersLayout>());
        Assert.Equal(64, (int)Marshal.OffsetOf<CountersLayout>(nameof(CountersLayout.CesSequence)));
        Assert.Equal(72, (int)Marshal.OffsetOf<CountersLayout>(nameof(CountersLayout.Ces)));
        Assert.Equal(192, (int)Marshal.OffsetOf<CountersLayout>(nameof(CountersLayout.RdpSequence)));
        Assert.Equal(200, (int)Marshal.OffsetOf<CountersLayout>(nameof(CountersLayout.Rdp)));
        Assert.Equal(448, (int)Marshal.OffsetOf<CountersLayout>(nameof(CountersLayout.SsrcChangeRequests)));
        Assert.Equal(456, (int)Marshal.OffsetOf<CountersLayout>(nameof(CountersLayout.CesLiveness)));
        Assert.Equal(480, (int)Marshal.OffsetOf<CountersLayout>(nameof(CountersLayout.RdpLiveness)));
        Assert.True(72 + Marshal.SizeOf<CesSection>() <= 192 && 200 + Marshal.SizeOf<RdpSection>() <= 448, "a section runs into the next");
        Assert.Equal(7 * 8, (int)Marshal.OffsetOf<CesSection>(nameof(CesSection.LossHintPercent))); // the eighth value
        Assert.Equal(8 * 8, (int)Marshal.OffsetOf<CesSection>(nameof(CesSection.FramesSuppressed)));
        Assert.Equal(12 * 8, (int)Marshal.OffsetOf<RdpSection>(nameof(RdpSection.ReportsReceived))); // the thirteenth
    }

    [Fact]
    public async Task A_running_call_is_seen_through_the_InterCom_Core_meter()
    {
        var options = new Hosting.VoiceSessionOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var a = new Hosting.VoiceSession(options);
        await using var b = new Hosting.VoiceSession(options);
        a.AddPeer(b.LocalEndPoint);
        b.AddPeer(a.LocalEndPoint);
        a.Start(new Audio.ToneSource(440, a.Format), null);
        b.Start(new Audio.ToneSource(660, b.Format), null);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // two publications of the counters

        var seen = new Dictionary<(string Instrument, string Call), double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "InterCom.Core")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "intercom.call")
                {
                    seen[(instrument.Name, (string)tag.Value!)] = value;
                }
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        listener.RecordObservableInstruments();

        string call = a.LocalEndPoint.ToString();
        Assert.True(seen.GetValueOrDefault(("intercom.packets.sent", call)) > 50, "packets sent");
        Assert.True(seen.GetValueOrDefault(("intercom.packets.received", call)) > 50, "packets received");
        Assert.Equal(0, seen.GetValueOrDefault(("intercom.packets.lost", call), -1));
        Assert.Equal(32_000, seen.GetValueOrDefault(("intercom.bitrate.target", call)));
        Assert.True(seen.ContainsKey(("intercom.playout.delay", b.LocalEndPoint.ToString())), "each call tagged by its address");
    }

    [Fact]
    public void A_reader_never_sees_a_half_written_section_while_the_writer_runs()
    {
        using var counters = FlowControlCounters.CreateInProcess();
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            for (long i = 1; !stop.IsCancellationRequested; i++)
            {
                counters.Publish(new CesCounters(i, i, i, i, i, i, (i & 1) == 1, i));
                counters.Publish(new RdpCounters(i, i, i, i, i, i, i, i, i, i, i, i, i));
            }
        });
        writer.Start();
        long reads = 0, lastSeen = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            FlowControlSnapshot s = counters.Snapshot();
            CesCounters c = s.Ces;
            Assert.True(c.ProcessId == c.Heartbeat && c.Ssrc == c.Heartbeat && c.PacketsSent == c.Heartbeat && c.BytesSent == c.Heartbeat
                && c.TargetBitrate == c.Heartbeat && c.LossHintPercent == c.Heartbeat && c.FecEnabled == ((c.Heartbeat & 1) == 1), $"torn CES read: {c}");
            RdpCounters r = s.Rdp;
            Assert.True(new[] { r.ProcessId, r.PacketsReceived, r.BytesReceived, r.PacketsLost, r.PacketsLate, r.FramesConcealed, r.JitterMicros,
                r.PlayoutDelayMicros, r.RoundTripMicros, r.RemoteFractionLost, r.RemoteJitterMicros, r.ReportsReceived }.All(v => v == r.Heartbeat), $"torn RDP read: {r}");
            Assert.True(c.Heartbeat >= lastSeen, "went backwards");
            lastSeen = c.Heartbeat;
            reads++;
        }

        stop.Cancel();
        writer.Join();
        Assert.True(reads > 1000 && lastSeen > 1000, $"{reads} reads, writer reached {lastSeen}");
    }

    [Fact]
    public void A_block_being_created_is_never_seen_without_its_header()
    {
        // Another process (intercom stats, a test waiting for a call's SSRC) opens the file as soon as it
        // exists: it must find a whole block or none, never a file the creator has not written yet.
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-fc-").FullName, "s.counters");
        using var stop = new CancellationTokenSource();
        int created = 0;
        var creator = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var block = FlowControlCounters.Create(path);
                created++;
            }
        });
        creator.Start();
        int opened = 0;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(1))
            {
                try
                {
                    using var block = FlowControlCounters.Open(path);
                    opened++;
                }
                catch (FileNotFoundException)
                {
                    // Not created yet.
                }
            }
        }
        finally
        {
            stop.Cancel();
            creator.Join();
        }

        Assert.True(opened > 100 && created > 100, $"{opened} opened, {created} created");
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!)); // nothing else left behind
    }

    [Fact]
    public void A_second_mapping_of_the_file_sees_what_the_first_publishes()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-fc-").FullName, "s.counters");
        using var writer = FlowControlCounters.Create(path);
        using var reader = FlowControlCounters.Open(path);
        writer.Publish(new CesCounters(1, Environment.ProcessId, 0xABCDEF, 500, 40_000, 24_000, true, 10, 7));
        Assert.Equal(new CesCounters(1, Environment.ProcessId, 0xABCDEF, 500, 40_000, 24_000, true, 10, 7), reader.Snapshot().Ces);
    }

    [Fact]
    public void Opening_something_that_is_not_a_counters_file_says_so()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-fc-").FullName;
        string junk = Path.Combine(dir, "junk");
        File.WriteAllBytes(junk, new byte[FlowControlCounters.Size]);
        Assert.Throws<InvalidDataException>(() => FlowControlCounters.Open(junk));
        Assert.Throws<FileNotFoundException>(() => FlowControlCounters.Open(Path.Combine(dir, "missing")));
        Assert.Throws<ArgumentException>(() => FlowControlCounters.PathFor("../escape"));
    }

    [Fact]
    public void A_worker_configuration_survives_its_trip_through_the_environment()
    {
        var config = new Hosting.WorkerConfig
        {
            Role = Hosting.WorkerRole.Rdp,
            CountersPath = "/dev/shm/intercom-x.counters",
            Listen = "[::]:5004",
            Peers = ["192.0.2.1:5004", "[2001:db8::1]:6000"],
            SampleRate = 48_000,
            Channels = 2,
            Codec = new Codecs.CodecOptions { Codec = Codecs.AudioCodec.Pcm, FrameDuration = TimeSpan.FromMilliseconds(2.5), Bitrate = 64_000 },
            JitterBuffer = new Jitter.JitterBufferOptions { TargetDelay = TimeSpan.FromMilliseconds(25) },
            RateControl = new RateControlOptions { MinBitrate = 16_000, Enabled = false },
            PeerTimeout = TimeSpan.FromSeconds(3),
            Audio = "out.wav",
            JackClientName = "a-rdp",
            Restarted = true,
            Standby = true,
            MinimumLogLevel = 2,
        };
        var back = Hosting.WorkerConfig.FromJson(config.ToJson());
        Assert.Equal(config with { Peers = back.Peers }, back);
        Assert.Equal(config.Peers, back.Peers);
        Assert.Throws<System.Text.Json.JsonException>(() => Hosting.WorkerConfig.FromJson("{\"Role\": \"Nobody\"}"));
    }

    [Theory]
    [InlineData("3\tInterCom.Core.X\tsomething failed", Microsoft.Extensions.Logging.LogLevel.Warning, "InterCom.Core.X", "something failed")]
    [InlineData("Unhandled exception. System.Exception: boom", Microsoft.Extensions.Logging.LogLevel.Warning, "", "Unhandled exception. System.Exception: boom")]
    [InlineData("9\tcategory\tlevel out of range", Microsoft.Extensions.Logging.LogLevel.Warning, "", "9\tcategory\tlevel out of range")]
    public void A_worker_log_line_is_read_back_or_passed_on_whole(string line, Microsoft.Extensions.Logging.LogLevel level, string category, string message)
        => Assert.Equal((level, category, message), Hosting.WorkerLog.Parse(line));

    [Fact]
    public void Ten_percent_random_loss_turns_fec_on_with_a_loss_hint_above_it_and_keeps_the_bitrate_and_a_clean_link_turns_fec_off()
    {
        var controller = new BitrateController(new RateControlOptions(), configuredBitrate: 32_000);
        Assert.Equal(32_000, controller.TargetBitrate);
        Assert.False(controller.FecEnabled);

        for (int i = 0; i < 40; i++)
        {
            controller.OnReport(0.10, roundTripMicros: 2_000 + (i % 3 * 500)); // a steady round trip: no queue
            Assert.Equal(32_000, controller.TargetBitrate);
            Assert.False(controller.Congested);
        }

        Assert.True(controller.FecEnabled);
        Assert.InRange(controller.LossHintPercent, 11, 15); // a quarter above the loss: more redundancy than the bare loss asks for

        for (int i = 0; i < 3; i++)
        {
            controller.OnReport(0, 2_000);
        }

        Assert.False(controller.FecEnabled);
        Assert.Equal(32_000, controller.TargetBitrate);
    }

    [Fact]
    public void The_bitrate_climbs_no_further_than_half_again_what_the_stream_sends()
    {
        // The video's settings: a step a clean report, from 300 kb/s towards a 1 Mb/s ceiling.
        var controller = new BitrateController(new RateControlOptions { MinBitrate = 50_000, MaxBitrate = 1_000_000, CleanReportsPerStep = 1 }, 300_000);
        for (int i = 0; i < 10; i++)
        {
            controller.OnReport(0, 2_000, sendingBitrate: 150_000); // a still picture: the encoder needs half its target
        }

        Assert.Equal(300_000, controller.TargetBitrate); // 300 000 is already past 1.5 × 150 000: no climb
        for (int i = 0; i < 10; i++)
        {
            controller.OnReport(0, 2_000, sendingBitrate: controller.TargetBitrate); // the picture moves: it takes all it is given
        }

        Assert.Equal(1_000_000, controller.TargetBitrate);
    }

    [Theory]
    [InlineData(0.05, 30_000, "loss with the round trip risen by 28 ms (half the congestion delay)")]
    [InlineData(0.00, 45_000, "no loss yet, the round trip risen by 43 ms: a queue building")]
    [InlineData(0.25, 2_000, "loss above the high threshold, whatever the round trip")]
    public void Congestion_lowers_the_bitrate_by_15_percent_within_a_few_reports(double loss, long roundTripMicros, string why)
    {
        var controller = new BitrateController(new RateControlOptions(), configuredBitrate: 32_000);
        for (int i = 0; i < 5; i++)
        {
            controller.OnReport(0, 2_000); // the path's base round trip
        }

        int reports = 0;
        while (!controller.Congested && reports < 5)
        {
            controller.OnReport(loss, roundTripMicros); // the round trip is smoothed: a step takes a few reports to show
            reports++;
        }

        Assert.True(controller.Congested, $"{why}: not taken for congestion within 5 reports");
        Assert.Equal((int)(32_000 * 0.85), controller.TargetBitrate);
        Assert.False(controller.FecEnabled); // redundancy would only add to the queue
    }

    [Fact]
    public void Lasting_congestion_takes_the_bitrate_to_the_minimum_and_a_clean_link_restores_it()
    {
        var controller = new BitrateController(new RateControlOptions(), configuredBitrate: 32_000);
        for (int i = 0; i < 40; i++)
        {
            controller.OnReport(0.05, 2_000 + (i * 20_000)); // loss, and a round trip that keeps growing
        }

        Assert.Equal(12_000, controller.TargetBitrate); // never below the minimum
        Assert.False(controller.FecEnabled);            // the loss is the queue's: FEC would feed it

        for (int i = 0; i < 60; i++)
        {
            controller.OnReport(0, 2_000);
        }

        Assert.Equal(32_000, controller.TargetBitrate); // back up, never above the maximum
        Assert.False(controller.FecEnabled);
        Assert.Equal(0, controller.LossHintPercent);
    }

    [Fact]
    public void A_round_trip_that_only_jitters_is_not_congestion()
    {
        var controller = new BitrateController(new RateControlOptions(), configuredBitrate: 32_000);
        var random = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            controller.OnReport(0, 40_000 + random.Next(0, 40_000)); // 40..80 ms, no trend
            Assert.False(controller.Congested, $"report {i}: queue delay {controller.QueueDelayMicros} us");
        }

        Assert.Equal(32_000, controller.TargetBitrate);
    }

    [Fact]
    public void Loss_between_the_thresholds_changes_nothing()
    {
        var controller = new BitrateController(new RateControlOptions(), configuredBitrate: 32_000);
        controller.OnReport(0.10);
        int bitrate = controller.TargetBitrate;
        for (int i = 0; i < 10; i++)
        {
            Assert.False(controller.OnReport(0.015));
        }

        Assert.Equal(bitrate, controller.TargetBitrate);
    }
}
