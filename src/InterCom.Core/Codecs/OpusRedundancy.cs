namespace InterCom.Core.Codecs;

/// <summary>
/// Whether an Opus packet carries in-band FEC (SILK's LBRR frames) for the frame before it: the LBRR
/// flag in the SILK header (RFC 6716 section 4.2.3), read with the range decoder of section 4.1.
/// Only single-frame packets (code 0) in SILK or hybrid mode can carry it; CELT-only packets never do.
/// </summary>
internal static class OpusRedundancy
{
    public static bool HasLbrr(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 2)
        {
            return false;
        }

        int config = packet[0] >> 3;
        if (config >= 16 || (packet[0] & 0x03) != 0)
        {
            return false; // CELT only, or several frames in the packet
        }

        // SILK frames in the Opus frame: 10 and 20 ms hold one, 40 ms two, 60 ms three (hybrid: 10/20 ms).
        int silkFrames = config < 12 ? (config % 4) switch { 2 => 2, 3 => 3, _ => 1 } : 1;
        var decoder = new RangeDecoder(packet[1..]);
        for (int i = 0; i < silkFrames; i++)
        {
            _ = decoder.DecodeBit(); // the mid (or mono) channel's voice activity flags
        }

        return decoder.DecodeBit(); // its LBRR flag
    }

    /// <summary>The first steps of RFC 6716's range decoder: enough to read one-bit symbols of probability 1/2.</summary>
    private ref struct RangeDecoder
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _position;
        private int _previous;
        private uint _range;
        private uint _value;

        public RangeDecoder(ReadOnlySpan<byte> data)
        {
            _data = data;
            _previous = NextByte();
            _range = 128;
            _value = (uint)(127 - (_previous >> 1));
            Normalize();
        }

        public bool DecodeBit()
        {
            uint half = _range >> 1;
            bool one = _value < half;
            if (!one)
            {
                _value -= half;
            }

            _range = one ? half : _range - half;
            Normalize();
            return one;
        }

        private int NextByte() => _position < _data.Length ? _data[_position++] : 0;

        private void Normalize()
        {
            while (_range <= 1u << 23)
            {
                _range <<= 8;
                int next = NextByte();
                uint symbol = (uint)(((_previous << 8) | next) >> 1) & 0xFF;
                _previous = next;
                _value = ((_value << 8) + (255 - symbol)) & 0x7FFF_FFFF;
            }
        }
    }
}
