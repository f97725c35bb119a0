package dataset

import (
	"io"
	"math/rand/v2"
)

// words is the vocabulary of generated text: common English words, so
// that the text compresses about as well as real prose.
var words = []string{
	"the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by",
	"on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had",
	"they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if",
	"more", "when", "will", "would", "who", "so", "no", "data", "object", "storage", "cluster",
	"target", "proxy", "transform", "bucket", "node", "image", "audio", "network", "latency",
	"throughput", "request", "response", "memory", "disk", "stream", "batch", "model", "training",
	"pipeline", "worker", "queue", "time", "people", "year", "way", "day", "man", "thing", "woman",
	"life", "child", "world", "school", "state", "family", "student", "group", "country", "problem",
	"hand", "part", "place", "case", "week", "company", "system", "program", "question", "work",
	"government", "number", "night", "point", "home", "water", "room", "mother", "area", "money",
	"story", "fact", "month", "lot", "right", "study", "book", "eye", "job", "word", "business",
	"issue", "side", "kind", "head", "house", "service", "friend", "father", "power", "hour", "game",
	"line", "end", "member", "law", "car", "city", "community", "name", "president", "team",
	"minute", "idea", "kid", "body", "information", "back", "parent", "face", "others", "level",
	"office", "door", "health", "person", "art", "war", "history", "party", "result", "change",
	"morning", "reason", "research", "girl", "guy", "moment", "air", "teacher", "force", "education",
	"good", "new", "first", "last", "long", "great", "little", "own", "other", "old", "big", "high",
	"different", "small", "large", "next", "early", "young", "important", "few", "public", "bad",
	"same", "able", "make", "know", "take", "see", "come", "think", "look", "want", "give", "use",
	"find", "tell", "ask", "seem", "feel", "try", "leave", "call", "keep", "let", "begin", "show",
}

// textReader streams English-like text: sentences of words, lines of about
// 72 characters, paragraphs; cut to exactly size bytes.
type textReader struct {
	rng      *rand.Rand
	left     int64
	size     int64
	buf      []byte
	col      int
	sentence int // words left in the sentence
	newSent  bool
}

func newTextReader(seed uint64, size int64) *textReader {
	return &textReader{rng: rand.New(rand.NewPCG(seed, 0x7465787420)), left: size, size: size, newSent: true}
}

func (r *textReader) Size() int64 { return r.size }

// fill appends one word (with its separator) to r.buf.
func (r *textReader) fill() {
	if r.sentence == 0 {
		r.sentence = 4 + r.rng.IntN(14)
		r.newSent = true
	}
	w := words[r.rng.IntN(len(words))]
	if r.col > 0 {
		if r.col+1+len(w) > 72 {
			r.buf = append(r.buf, '\n')
			r.col = 0
			if r.newSent && r.rng.IntN(6) == 0 {
				r.buf = append(r.buf, '\n')
			}
		} else {
			r.buf = append(r.buf, ' ')
			r.col++
		}
	}
	start := len(r.buf)
	r.buf = append(r.buf, w...)
	if r.newSent && r.buf[start] >= 'a' && r.buf[start] <= 'z' {
		r.buf[start] -= 'a' - 'A'
	}
	r.newSent = false
	r.sentence--
	if r.sentence == 0 {
		if r.rng.IntN(8) == 0 {
			r.buf = append(r.buf, '?')
		} else {
			r.buf = append(r.buf, '.')
		}
	} else if r.rng.IntN(12) == 0 {
		r.buf = append(r.buf, ',')
	}
	r.col += len(r.buf) - start
}

func (r *textReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			r.fill()
		}
		c := copy(p[n:], r.buf)
		n += c
		r.buf = r.buf[:copy(r.buf, r.buf[c:])]
	}
	r.left -= int64(n)
	return n, nil
}
