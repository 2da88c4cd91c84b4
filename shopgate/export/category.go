package export

import (
	"database/sql"
	"time"
)

// Category is one node of the categories document.
type Category struct {
	UID       string
	SortOrder sql.Null[int64] // higher values are shown first
	ParentUID string          // "" for top-level categories (attribute omitted)
	IsActive  bool
	IsAnchor  bool
	Name      string // [C] ALWAYS
	Deeplink  string // [C] ALWAYS, absolute URL of the category page
	Image     *Image // nil when the category has no picture; IsCover is ignored
}

// Review is one approved product review of the reviews document.
type Review struct {
	UID          string
	ItemUID      string // uid of the reviewed (parent) item
	Score        int64  // 0 to 10
	ReviewerName string
	Date         time.Time // written as YYYY-MM-DD; zero gives <date/>
	Title        string
	Text         string
}
