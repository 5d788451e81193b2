using InterCom.Core.Audio;

namespace InterCom.Core.Tests;

public sealed class WavFileTests
{
    [Theory]
    [InlineData(WavSampleFormat.Pcm16, 1)]
    [InlineData(WavSampleFormat.Pcm16, 2)]
    [InlineData(WavSampleFormat.Float32, 1)]
    [InlineData(WavSampleFormat.Float32, 2)]
    public void Writes_and_reads_back_the_same_audio(WavSampleFormat sampleFormat, int channels)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-wav-").FullName, "t.wav");
        var format = new AudioFormat(48_000, channels);
        var written = new float[4800 * channels];
        new ToneSource(300, format).Read(written, CancellationToken.None);
        using (var sink = new WavFileSink(path, format, sampleFormat))
        {
            sink.Write(written, CancellationToken.None);
            Assert.Equal(4800, sink.FramesWritten);
        }

        using var source = new WavFileSource(path);
        Assert.Equal(format, source.Format);
        var read = new float[written.Length + 10];
        Assert.Equal(written.Length, source.Read(read, CancellationToken.None));
        Assert.Equal(0, source.Read(read, CancellationToken.None));
        float tolerance = sampleFormat == WavSampleFormat.Pcm16 ? 1 / 32767f : 0;
        for (int i = 0; i < written.Length; i++)
        {
            Assert.Equal(written[i], read[i], tolerance);
        }
    }

    [Fact]
    public void Append_continues_a_file_whose_writer_died_keeping_every_whole_frame()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-wav-").FullName, "continued.wav");
        var format = AudioFormat.Mono48k;
        var first = new float[30_000];
        var second = new float[9_600];
        new ToneSource(300, format).Read(first, CancellationToken.None);
        new ToneSource(500, format).Read(second, CancellationToken.None);
        using (var sink = new WavFileSink(path, format))
        {
            sink.Write(first, CancellationToken.None);
        }

        // As a killed writer leaves it: the header counts only the first 0.5 s, and half a sample trails.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 40;
            file.Write(BitConverter.GetBytes(24_000 * 2));
            file.Position = file.Length;
            file.WriteByte(0x7f);
        }

        using (var sink = WavFileSink.Append(path, format))
        {
            Assert.Equal(first.Length, sink.FramesWritten);
            sink.Write(second, CancellationToken.None);
        }

        float[] all = WavFileSource.ReadAll(path);
        Assert.Equal(first.Length + second.Length, all.Length);
        Assert.Equal(first[^1], all[first.Length - 1], 1 / 32767f);
        Assert.Equal(second[0], all[first.Length], 1 / 32767f);
        Assert.Equal(second[^1], all[^1], 1 / 32767f);
    }

    [Fact]
    public void Append_replaces_a_file_of_another_format_or_no_wav_at_all()
    {
        string dir = Directory.CreateTempSubdirectory("intercom-wav-").FullName;
        string stereo = Path.Combine(dir, "stereo.wav");
        using (var sink = new WavFileSink(stereo, new AudioFormat(48_000, 2)))
        {
            sink.Write(new float[960], CancellationToken.None);
        }

        string text = Path.Combine(dir, "notes.wav");
        File.WriteAllText(text, "not a wav file, but long enough to hold a header of forty-four bytes");
        foreach (string path in new[] { stereo, text })
        {
            using (var sink = WavFileSink.Append(path, AudioFormat.Mono48k))
            {
                Assert.Equal(0, sink.FramesWritten);
                sink.Write(new float[480], CancellationToken.None);
            }

            using var source = new WavFileSource(path);
            Assert.Equal(AudioFormat.Mono48k, source.Format);
            Assert.Equal(480, WavFileSource.ReadAll(path).Length);
        }
    }

    [Fact]
    public void The_header_is_valid_while_the_file_is_still_being_written()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-wav-").FullName, "open.wav");
        var format = AudioFormat.Mono48k;
        using var sink = new WavFileSink(path, format);
        var second = new float[48_000];
        sink.Write(second, CancellationToken.None); // 1 s: past the 0.5 s header update

        // Read it as another process would while the call goes on (the sink is not disposed).
        using var source = new WavFileSource(path);
        var all = new float[96_000];
        int read = source.Read(all, CancellationToken.None);
        Assert.InRange(read, 24_000, 48_000);
    }

    [Fact]
    public void A_file_at_44100_hz_is_read_at_48000_hz_at_its_own_pitch_and_length()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-wav-").FullName, "44k.wav");
        float[] tone = [.. Enumerable.Range(0, 44_100).Select(n => 0.5f * MathF.Sin(2 * MathF.PI * 1_000 * n / 44_100f))];
        WriteAtRate(path, tone, 44_100);

        using var source = new WavFileSource(path);
        Assert.Equal((44_100, AudioFormat.CallSampleRate), (source.FileSampleRate, source.Format.SampleRate));
        float[] all = WavFileSource.ReadAll(path);
        Assert.InRange(all.Length, 47_900, 48_000); // a second, less at most the filter's last millisecond
        int crossings = 0;
        for (int i = 1_000; i < 47_000; i++)
        {
            crossings += (all[i - 1] < 0) != (all[i] < 0) ? 1 : 0;
        }

        Assert.InRange(crossings, 1_915, 1_925); // 1 kHz over 46 000 samples at 48 kHz: 1 916.7 crossings (a 44.1 kHz reading would give 2 086)
        Assert.InRange(all.Skip(1_000).Take(46_000).Max(), 0.48f, 0.52f);
    }

    [Fact]
    public void Rejects_a_file_at_a_rate_outside_8_to_192_khz_saying_so()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-wav-").FullName, "4k.wav");
        WriteAtRate(path, new float[480], 4_000);
        var e = Assert.Throws<InvalidDataException>(() => new WavFileSource(path));
        Assert.Contains("4000 Hz", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A mono 16-bit WAV file at <paramref name="rate"/>: our sink's file with its rate fields changed.</summary>
    private static void WriteAtRate(string path, float[] samples, int rate)
    {
        using (var sink = new WavFileSink(path, AudioFormat.Mono48k))
        {
            sink.Write(samples, CancellationToken.None);
        }

        byte[] bytes = File.ReadAllBytes(path);
        int bytesPerFrame = BitConverter.ToUInt16(bytes, 32);
        BitConverter.GetBytes(rate).CopyTo(bytes, 24);
        BitConverter.GetBytes(rate * bytesPerFrame).CopyTo(bytes, 28);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Rejects_a_file_that_is_not_wav()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-wav-").FullName, "x.wav");
        File.WriteAllText(path, "this is not audio at all");
        var e = Assert.Throws<InvalidDataException>(() => new WavFileSource(path));
        Assert.Contains("not a WAV file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mixes_stereo_down_to_mono()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("intercom-wav-").FullName, "s.wav");
        using (var sink = new WavFileSink(path, AudioFormat.Stereo48k, WavSampleFormat.Float32))
        {
            sink.Write([0.2f, 0.4f, -0.2f, -0.6f], CancellationToken.None);
        }

        using var source = new WavFileSource(path, channels: 1);
        var mono = new float[2];
        Assert.Equal(2, source.Read(mono, CancellationToken.None));
        Assert.Equal(0.3f, mono[0], 1e-6f);
        Assert.Equal(-0.4f, mono[1], 1e-6f);
    }
}
