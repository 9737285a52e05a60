package netsuite

// NetSuite pages by limit: an offset must be a multiple of the limit. Callers page by item
// (GraphQL cursors), so the client serves any window [offset, offset+limit) from aligned pages.

// windowPlan says which aligned NetSuite page(s) cover a window.
type windowPlan struct {
	pageLimit, pageOffset int // the first (or only) page
	skip                  int // items of the first page before the window
	pages                 int // 1, or 2 when no single aligned page covers the window
}

// planWindow finds a single page of at most maxBatch items that covers the window, preferring
// the smallest; failing that, two consecutive pages of limit items do.
func planWindow(offset, limit int) windowPlan {
	for l := limit; l <= maxBatch; l++ {
		if offset%l+limit <= l {
			return windowPlan{pageLimit: l, pageOffset: offset - offset%l, skip: offset % l, pages: 1}
		}
	}
	return windowPlan{pageLimit: limit, pageOffset: offset - offset%limit, skip: offset % limit, pages: 2}
}

// fetchWindow reads the window through fetch, which gets one aligned page and reports the
// total. It returns the window's items and the total.
func fetchWindow[T any](offset, limit int, fetch func(pageLimit, pageOffset int) ([]T, int, error)) ([]T, int, error) {
	p := planWindow(offset, limit)
	items, total, err := fetch(p.pageLimit, p.pageOffset)
	if err != nil {
		return nil, 0, err
	}
	if p.pages == 2 && len(items) == p.pageLimit && p.pageOffset+p.pageLimit < total {
		more, t, err := fetch(p.pageLimit, p.pageOffset+p.pageLimit)
		if err != nil {
			return nil, 0, err
		}
		items, total = append(items, more...), t
	}
	if p.skip >= len(items) {
		return []T{}, total, nil
	}
	items = items[p.skip:]
	if len(items) > limit {
		items = items[:limit]
	}
	return items, total, nil
}
