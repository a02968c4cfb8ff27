import sys
p='/work/perf-work/build/dev/drivers/iommu/iommufd/pages.c'
s=open(p).read()
old='''	unsigned long last_iova = iopt_area_index_to_iova_last(area, last_index);
	phys_addr_t phys;
	size_t len;

	len = pt->ops->iova_to_phys_contig(pt, iova, last_iova - iova + 1,
					   &phys);
	if (!len)
		return 0;
	*pfn = PHYS_PFN(phys - page_offset);
	if (len == last_iova - iova + 1)
		return last_index - start_index + 1;
	/* Cut where the next page does not follow: whole pages */
	return max(1UL, (page_offset + len) >> PAGE_SHIFT);
}
'''
new='''	unsigned long last_iova = iopt_area_index_to_iova_last(area, last_index);
	phys_addr_t phys;
	size_t len;

	if (pfn_break == 2)	/* BREAK 2: the run is not capped at last_index */
		last_iova += PAGE_SIZE;
	len = pt->ops->iova_to_phys_contig(pt, iova, last_iova - iova + 1,
					   &phys);
	if (!len)
		return 0;
	*pfn = PHYS_PFN(phys - page_offset);
	if (len == last_iova - iova + 1)
		return last_index - start_index + 1 + (pfn_break == 2);
	/* BREAK 1: a run cut one page after the page that does not follow */
	if (pfn_break == 1)
		return max(1UL, (page_offset + len) >> PAGE_SHIFT) + 1;
	/* Cut where the next page does not follow: whole pages */
	return max(1UL, (page_offset + len) >> PAGE_SHIFT);
}
'''
assert old in s
s=s.replace(old,new)
s=s.replace('''/*
 * Read back from a domain built on the generic page table the PFN that index''','''static int pfn_break;
module_param(pfn_break, int, 0644);

/*
 * Read back from a domain built on the generic page table the PFN that index''',1)
open(p,'w').write(s)
